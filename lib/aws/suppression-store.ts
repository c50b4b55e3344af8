import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, BatchWriteCommand, DynamoDBDocumentClient, GetCommand, UpdateCommand, type BatchGetCommandOutput } from '@aws-sdk/lib-dynamodb';
import type { SuppressionState, SuppressionStore } from '../core/detect/suppression';
import { DIGEST_SAMPLE_LIMIT, type HeldBackRepeat } from '../core/detect/suppression-digest';
import { K, OUTBOX_DIGEST } from '../contract/table-keys';
import { ImmutrailError } from '../core/errors';
import { retry } from '../core/retry';

// DynamoDB's limits per BatchGetItem and per BatchWriteItem request.
const GET_LIMIT = 100;
const WRITE_LIMIT = 25;
const MAX_ATTEMPTS = 8;

const SEVERITIES: readonly string[] = ['low', 'medium', 'high', 'critical'];

/** An item back into a state; optional members written by older versions may be absent. */
function stateOf(item: Record<string, unknown>): SuppressionState {
  const state: SuppressionState = { lastSentAt: item.lastSentAt as string, suppressed: item.suppressed as number };
  if (typeof item.severity === 'string' && SEVERITIES.includes(item.severity)) state.severity = item.severity as SuppressionState['severity'];
  if (typeof item.failedAt === 'string') state.failedAt = item.failedAt;
  return state;
}

/** DynamoDB left part of a batch request unprocessed (throttled) every time it was sent. */
export class UnprocessedItemsError extends ImmutrailError {
  readonly code = 'UNPROCESSED_ITEMS';
  constructor(message: string) {
    super(message);
    this.name = 'UnprocessedItemsError';
  }
}

/** Unprocessed keys or items are sent again, MAX_ATTEMPTS sends in all, after about 20 ms, doubling. */
const UNPROCESSED_RETRY = { attempts: MAX_ATTEMPTS, baseMs: 20, retryable: (err: unknown) => err instanceof UnprocessedItemsError };

/** Alert suppression windows in the index table, shared by every Lambda container. */
export class DynamoSuppressionStore implements SuppressionStore {
  private readonly doc: DynamoDBDocumentClient;
  constructor(
    client: DynamoDBClient,
    private readonly table: string,
  ) {
    this.doc = DynamoDBDocumentClient.from(client);
  }

  async getMany(fingerprints: readonly string[]): Promise<Map<string, SuppressionState>> {
    const found = new Map<string, SuppressionState>();
    const unique = [...new Set(fingerprints)];
    const fingerprintOf = new Map(unique.map((fp) => [K.suppression(fp).pk, fp]));
    for (let i = 0; i < unique.length; i += GET_LIMIT) {
      let keys: Record<string, unknown>[] = unique.slice(i, i + GET_LIMIT).map((fp) => K.suppression(fp));
      await retry(async () => {
        const out: BatchGetCommandOutput = await this.doc.send(new BatchGetCommand({ RequestItems: { [this.table]: { Keys: keys } } }));
        for (const item of out.Responses?.[this.table] ?? []) {
          const fp = fingerprintOf.get(item.pk as string);
          if (fp !== undefined) found.set(fp, stateOf(item));
        }
        keys = out.UnprocessedKeys?.[this.table]?.Keys ?? [];
        if (keys.length > 0) throw new UnprocessedItemsError('DynamoDB kept returning unprocessed suppression keys');
      }, UNPROCESSED_RETRY);
    }
    return found;
  }

  /**
   * One update per window (repeats of one delivery grouped), atomic, so
   * Lambdas holding back repeats of the same window at once lose none: the
   * count is added, the samples appended while there is room for them.
   * The item carries `outbox`, which puts it in the outbox index the sweep
   * reads (lib/aws/suppression-digests.ts).
   */
  async holdBack(repeats: readonly HeldBackRepeat[]): Promise<void> {
    const windows = new Map<string, HeldBackRepeat[]>();
    for (const r of repeats) {
      const id = `${r.fingerprint}#${r.windowEnd}`;
      windows.set(id, [...(windows.get(id) ?? []), r]);
    }
    await Promise.all([...windows.values()].map((w) => this.holdBackInWindow(w)));
  }

  private async holdBackInWindow(repeats: HeldBackRepeat[]): Promise<void> {
    const first = repeats[0];
    const key = K.outboxDigest(first.fingerprint, first.windowEnd);
    const values = { ':o': OUTBOX_DIGEST, ':ws': first.windowStart, ':subj': first.subject, ':n': repeats.length };
    const common = 'SET outbox = :o, windowStart = if_not_exists(windowStart, :ws), subj = if_not_exists(subj, :subj)';
    let room = DIGEST_SAMPLE_LIMIT;
    for (let attempt = 0; attempt < 3 && room > 0; attempt++) {
      const samples = repeats.slice(0, room).map((r) => r.sample);
      try {
        await this.doc.send(
          new UpdateCommand({
            TableName: this.table,
            Key: key,
            UpdateExpression: `${common}, samples = list_append(if_not_exists(samples, :none), :s) ADD suppressed :n`,
            ConditionExpression: 'attribute_not_exists(samples) OR size(samples) <= :room',
            ExpressionAttributeValues: { ...values, ':none': [], ':s': samples, ':room': DIGEST_SAMPLE_LIMIT - samples.length },
          }),
        );
        return;
      } catch (err) {
        if ((err as Error).name !== 'ConditionalCheckFailedException') throw err;
      }
      // Not room for all of them: list as many as still fit (another writer may take them first; then try again).
      const item = await this.doc.send(new GetCommand({ TableName: this.table, Key: key, ProjectionExpression: 'samples', ConsistentRead: true }));
      room = DIGEST_SAMPLE_LIMIT - ((item.Item?.samples as unknown[] | undefined)?.length ?? 0);
    }
    // The samples are full: these repeats are only counted.
    await this.doc.send(
      new UpdateCommand({ TableName: this.table, Key: key, UpdateExpression: `${common} ADD suppressed :n`, ExpressionAttributeValues: values }),
    );
  }

  async putMany(states: ReadonlyMap<string, SuppressionState>): Promise<void> {
    const items = [...states].map(([fp, s]) => ({
      PutRequest: {
        Item: {
          ...K.suppression(fp),
          lastSentAt: s.lastSentAt,
          suppressed: s.suppressed,
          ...(s.severity !== undefined ? { severity: s.severity } : {}),
          ...(s.failedAt !== undefined ? { failedAt: s.failedAt } : {}),
        },
      },
    }));
    for (let i = 0; i < items.length; i += WRITE_LIMIT) {
      let requests: typeof items = items.slice(i, i + WRITE_LIMIT);
      await retry(async () => {
        const out = await this.doc.send(new BatchWriteCommand({ RequestItems: { [this.table]: requests } }));
        requests = (out.UnprocessedItems?.[this.table] as typeof items | undefined) ?? [];
        if (requests.length > 0) throw new UnprocessedItemsError('DynamoDB kept returning unprocessed suppression items');
      }, UNPROCESSED_RETRY);
    }
  }
}
