import { BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { AuditRecord } from '../core/record';
import { K } from './table-keys';

/** The principal a timeline is kept for: the role behind a session, else the caller's ARN. */
export function principalKey(actor: { sessionIssuerArn: string | null; arn: string | null; invokedBy: string | null }): string | null {
  return actor.sessionIssuerArn ?? actor.arn ?? actor.invokedBy ?? null;
}

/** Timeline items (resource -> events, principal -> events) for committed event records. */
export function timelineItems(records: readonly AuditRecord[]): Record<string, unknown>[] {
  const items: Record<string, unknown>[] = [];
  for (const r of records) {
    if (r.chain.kind !== 'event') continue;
    const e = (r as Extract<AuditRecord, { chain: { kind: 'event' } }>).data.event;
    const sk = K.timelineSk(e.eventTime, r.chain.shard, r.chain.seq);
    const common = { rid: r.chain.id, shard: r.chain.shard, seq: r.chain.seq, action: `${e.service}:${e.action}`, eventTime: e.eventTime };
    const principal = principalKey(e.actor);
    const seen = new Set<string>();
    for (const res of e.resources) {
      if (seen.has(res.id)) continue;
      seen.add(res.id);
      items.push({ pk: K.resource(res.id), sk, ...common, principal, resourceType: res.type });
    }
    if (principal) items.push({ pk: K.actor(principal), sk, ...common, resources: [...seen].slice(0, 20) });
  }
  return items;
}

/**
 * Writes the derived timeline index. Idempotent (same keys, same values), so a
 * retry or `reindex` rewrites rather than duplicates.
 */
export class TimelineIndex {
  private readonly doc: DynamoDBDocumentClient;
  constructor(
    client: DynamoDBClient,
    private readonly table: string,
  ) {
    this.doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  }

  async write(records: readonly AuditRecord[]): Promise<number> {
    const items = timelineItems(records);
    for (let i = 0; i < items.length; i += 25) {
      let requests: { PutRequest: { Item: Record<string, unknown> } }[] | undefined = items
        .slice(i, i + 25)
        .map((Item) => ({ PutRequest: { Item } }));
      for (let attempt = 0; requests && requests.length > 0; attempt++) {
        if (attempt > 8) throw new Error('DynamoDB kept returning unprocessed items');
        const out = await this.doc.send(new BatchWriteCommand({ RequestItems: { [this.table]: requests } }));
        requests = out.UnprocessedItems?.[this.table] as typeof requests;
        if (requests && requests.length > 0) await new Promise((r) => setTimeout(r, 2 ** attempt * 20));
      }
    }
    return items.length;
  }
}
