import { randomUUID } from 'node:crypto';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient, QueryCommand, UpdateCommand, type QueryCommandOutput } from '@aws-sdk/lib-dynamodb';
import type { DigestSubject, SuppressedSample, SuppressionDigest } from '../core/detect/suppression-digest';
import { OUTBOX_CLAIM_MS } from './alert-outbox';
import { K, OUTBOX_DIGEST, OUTBOX_INDEX } from '../contract/table-keys';
import { ImmutrailError } from '../core/errors';

export class DigestSweepError extends ImmutrailError {
  readonly code = 'DIGEST_SWEEP_FAILED';
}

type Item = Record<string, unknown>;

const FINGERPRINT_AT = K.outboxDigest('', '').pk.length;

function digestOf(item: Item): SuppressionDigest {
  return {
    ...(item.subj as DigestSubject),
    fingerprint: String(item.pk).slice(FINGERPRINT_AT),
    windowStart: item.windowStart as string,
    windowEnd: item.sk as string,
    suppressed: Number(item.suppressed ?? 0),
    samples: (item.samples as SuppressedSample[] | undefined) ?? [],
  };
}

const conditionFailed = (err: unknown) => (err as Error).name === 'ConditionalCheckFailedException';

/**
 * Publishes the digest of every suppression window that has ended with
 * repeats held back (lib/core/detect/suppression-digest.ts). The seal runs
 * it on its schedule, so a digest is sent within one seal interval of its
 * window's end even when nothing else happens, and a sweep that dies is
 * redone by the next.
 *
 * One message per window, even with sweeps racing: a sweep first claims the
 * item (a conditional update, as the alert outbox does) and deletes it after
 * SNS accepted the message. A repeat held back by a slow writer after the
 * digest was read is not lost: the delete is conditional on the count that
 * was sent, and otherwise only the sent repeats are taken off the item, which
 * the next sweep sends as a follow-up digest. A crash between the publish and
 * the delete sends the digest again once the claim expires (a FIFO topic
 * drops that copy: its deduplication id is stable).
 */
export class SuppressionDigests {
  private readonly doc: DynamoDBDocumentClient;
  constructor(
    client: DynamoDBClient,
    private readonly table: string,
    private readonly publisher: { publishDigest(d: SuppressionDigest): Promise<unknown> },
    private readonly clock: () => number = Date.now,
  ) {
    this.doc = DynamoDBDocumentClient.from(client);
  }

  /** Digests of windows ended by now, not yet published (claimed ones included). */
  async due(): Promise<SuppressionDigest[]> {
    return (await this.dueItems()).map(digestOf);
  }

  /** Publishes every due digest; returns how many were sent. Every item is tried, then the first failure is thrown. */
  async sweep(): Promise<number> {
    const failures: unknown[] = [];
    let sent = 0;
    for (const item of await this.dueItems()) {
      try {
        if (await this.send({ pk: item.pk as string, sk: item.sk as string })) sent++;
      } catch (err) {
        failures.push(err);
      }
    }
    if (failures.length > 0) {
      throw new DigestSweepError(
        `${failures.length} suppression digest(s) not published (${sent} were); first: ${(failures[0] as Error)?.message ?? String(failures[0])}`,
      );
    }
    return sent;
  }

  private async send(key: { pk: string; sk: string }): Promise<boolean> {
    const me = randomUUID();
    const claimed = await this.claim(key, me);
    if (!claimed) return false;
    const digest = digestOf(claimed);
    if (digest.suppressed <= 0) {
      await this.doc.send(new DeleteCommand({ TableName: this.table, Key: key }));
      return false;
    }
    try {
      await this.publisher.publishDigest(digest);
    } catch (err) {
      await this.doc
        .send(
          new UpdateCommand({
            TableName: this.table,
            Key: key,
            UpdateExpression: 'REMOVE claimedUntil, claimedBy',
            ConditionExpression: 'claimedBy = :me',
            ExpressionAttributeValues: { ':me': me },
          }),
        )
        .catch(() => undefined);
      throw err;
    }
    await this.finish(key, me, digest);
    return true;
  }

  /** The item as claimed (read under the claim, so the message counts what the item holds), or null when another sweep holds it. */
  private async claim(key: { pk: string; sk: string }, me: string): Promise<Item | null> {
    const now = this.clock();
    try {
      const out = await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: key,
          UpdateExpression: 'SET claimedUntil = :until, claimedBy = :me',
          ConditionExpression: 'attribute_exists(pk) AND (attribute_not_exists(claimedUntil) OR claimedUntil < :now)',
          ExpressionAttributeValues: { ':until': now + OUTBOX_CLAIM_MS, ':now': now, ':me': me },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return out.Attributes ?? null;
    } catch (err) {
      if (conditionFailed(err)) return null;
      throw err;
    }
  }

  /** Deletes the item if it still holds what was sent; otherwise takes the sent repeats off and leaves the rest for the next sweep. */
  private async finish(key: { pk: string; sk: string }, me: string, sent: SuppressionDigest): Promise<void> {
    try {
      await this.doc.send(
        new DeleteCommand({
          TableName: this.table,
          Key: key,
          ConditionExpression: 'suppressed = :n AND claimedBy = :me',
          ExpressionAttributeValues: { ':n': sent.suppressed, ':me': me },
        }),
      );
      return;
    } catch (err) {
      if (!conditionFailed(err)) throw err;
    }
    const dropSamples = sent.samples.map((_, i) => `samples[${i}]`);
    await this.doc
      .send(
        new UpdateCommand({
          TableName: this.table,
          Key: key,
          UpdateExpression: `ADD suppressed :minus REMOVE ${['claimedUntil', 'claimedBy', ...dropSamples].join(', ')}`,
          ConditionExpression: 'claimedBy = :me',
          ExpressionAttributeValues: { ':minus': -sent.suppressed, ':me': me },
        }),
      )
      .catch((err: unknown) => {
        // Our claim expired and another sweep holds the item: it resends the whole window (at least once).
        if (!conditionFailed(err)) throw err;
      });
  }

  private async dueItems(): Promise<Item[]> {
    const now = new Date(this.clock()).toISOString();
    const items: Item[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out: QueryCommandOutput = await this.doc.send(
        new QueryCommand({
          TableName: this.table,
          IndexName: OUTBOX_INDEX,
          KeyConditionExpression: 'outbox = :d AND sk <= :now',
          ExpressionAttributeValues: { ':d': OUTBOX_DIGEST, ':now': now },
          ExclusiveStartKey: start,
        }),
      );
      items.push(...(out.Items ?? []));
      start = out.LastEvaluatedKey;
    } while (start);
    return items;
  }
}
