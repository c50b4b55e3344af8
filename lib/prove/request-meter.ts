/**
 * Counts storage requests (DynamoDB, S3, local files) so a proof can say what
 * it cost. AWS clients are counted by an SDK middleware, once per command sent;
 * in-memory and local sources record themselves.
 */
export interface RequestSummary {
  /** Requests that read (get, query, list). */
  reads: number;
  /** Every request, reads and writes. */
  requests: number;
  /** Items or objects the reads returned. */
  items: number;
  /** Requests by "Service.Operation", e.g. "DynamoDB.Query". */
  byOperation: Record<string, number>;
}

const READ_OPERATION = /^(Get|Query|Scan|BatchGet|List|Head)/;

export class RequestMeter {
  readonly #requests = new Map<string, number>();
  #items = 0;

  /** One request of `operation` ("Service.Operation") that returned `items` items. */
  record(operation: string, items = 0): void {
    this.#requests.set(operation, (this.#requests.get(operation) ?? 0) + 1);
    this.#items += items;
  }

  summary(): RequestSummary {
    const byOperation = Object.fromEntries([...this.#requests].sort(([a], [b]) => (a < b ? -1 : 1)));
    let reads = 0;
    let requests = 0;
    for (const [op, n] of this.#requests) {
      requests += n;
      if (READ_OPERATION.test(op.slice(op.indexOf('.') + 1))) reads += n;
    }
    return { reads, requests, items: this.#items, byOperation };
  }

  /** What happened since `before` (a summary taken earlier from this meter). */
  since(before: RequestSummary): RequestSummary {
    const now = this.summary();
    const byOperation: Record<string, number> = {};
    for (const [op, n] of Object.entries(now.byOperation)) {
      const d = n - (before.byOperation[op] ?? 0);
      if (d > 0) byOperation[op] = d;
    }
    return { reads: now.reads - before.reads, requests: now.requests - before.requests, items: now.items - before.items, byOperation };
  }
}

/** The part of an SDK v3 client the meter needs (every generated client has it). */
interface MeterableClient {
  middlewareStack: {
    add(
      middleware: (
        next: (args: unknown) => Promise<{ output: unknown }>,
        context: { clientName?: string; commandName?: string },
      ) => (args: unknown) => Promise<{ output: unknown }>,
      options: { step: 'initialize'; name: string; override?: boolean },
    ): void;
  };
}

function itemsIn(output: unknown): number {
  const o = output as { Count?: unknown; Items?: unknown; Item?: unknown; Contents?: unknown; Body?: unknown; Responses?: unknown } | undefined;
  if (!o) return 0;
  if (typeof o.Count === 'number') return o.Count;
  if (Array.isArray(o.Items)) return o.Items.length;
  if (Array.isArray(o.Contents)) return o.Contents.length;
  if (o.Responses && typeof o.Responses === 'object') return Object.values(o.Responses).reduce((n: number, v) => n + (Array.isArray(v) ? v.length : 0), 0);
  return o.Item !== undefined || o.Body !== undefined ? 1 : 0;
}

/** Counts every command `client` sends into `meter` (DynamoDBDocumentClient shares its base client's stack). */
export function meterAwsClient(client: unknown, meter: RequestMeter): void {
  (client as MeterableClient).middlewareStack.add(
    (next, context) => async (args) => {
      const service = (context.clientName ?? 'AWS').replace(/Client$/, '');
      const operation = (context.commandName ?? 'Unknown').replace(/Command$/, '');
      try {
        const result = await next(args);
        meter.record(`${service}.${operation}`, itemsIn(result.output));
        return result;
      } catch (err) {
        // A failed request still cost a round trip.
        meter.record(`${service}.${operation}`, 0);
        throw err;
      }
    },
    { step: 'initialize', name: 'immutrailRequestMeter', override: true },
  );
}
