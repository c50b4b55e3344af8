import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, BatchWriteCommand, DynamoDBDocumentClient, type BatchGetCommandOutput } from '@aws-sdk/lib-dynamodb';
import type { SuppressionState, SuppressionStore } from '../core/detect/suppression';
import { K } from './table-keys';

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

const backoff = (attempt: number) => new Promise((r) => setTimeout(r, 2 ** attempt * 20));

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
      let keys: Record<string, unknown>[] | undefined = unique.slice(i, i + GET_LIMIT).map((fp) => K.suppression(fp));
      for (let attempt = 0; keys && keys.length > 0; attempt++) {
        if (attempt >= MAX_ATTEMPTS) throw new Error('DynamoDB kept returning unprocessed suppression keys');
        const out: BatchGetCommandOutput = await this.doc.send(new BatchGetCommand({ RequestItems: { [this.table]: { Keys: keys } } }));
        for (const item of out.Responses?.[this.table] ?? []) {
          const fp = fingerprintOf.get(item.pk as string);
          if (fp !== undefined) found.set(fp, stateOf(item));
        }
        keys = out.UnprocessedKeys?.[this.table]?.Keys;
        if (keys && keys.length > 0) await backoff(attempt);
      }
    }
    return found;
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
      let requests: typeof items | undefined = items.slice(i, i + WRITE_LIMIT);
      for (let attempt = 0; requests && requests.length > 0; attempt++) {
        if (attempt >= MAX_ATTEMPTS) throw new Error('DynamoDB kept returning unprocessed suppression items');
        const out = await this.doc.send(new BatchWriteCommand({ RequestItems: { [this.table]: requests } }));
        requests = out.UnprocessedItems?.[this.table] as typeof items | undefined;
        if (requests && requests.length > 0) await backoff(attempt);
      }
    }
  }
}
