import { ImmutrailError } from '../../lib/core/errors';

/**
 * Counts the requests SDK v3 clients send, by service and operation, so a run
 * can say what it would be billed for. One count per HTTP attempt: a retried
 * command is billed (and counted) once per attempt, and a failed request
 * (a 412 on a conditional put, a cancelled transaction) still counts.
 */
export interface RequestCount {
  service: string;
  operation: string;
  requests: number;
  /** Attempts that ended in an error (service or network). */
  errors: number;
}

/** What one attempt sent and got back, for callers that price by payload (DynamoDB capacity units). */
export interface RequestObservation {
  service: string;
  operation: string;
  input: unknown;
  /** The raw (still marshalled) output, undefined when the attempt failed. */
  output: unknown;
  error?: unknown;
}

/** The part of an SDK v3 client the counter needs (every generated client has it). */
export interface CountableClient {
  middlewareStack: {
    add(middleware: unknown, options: { step: 'finalizeRequest'; priority: 'low'; name: string; override?: boolean }): void;
  };
}

type Handler = (args: { input?: unknown }) => Promise<{ output?: unknown }>;
type Context = { clientName?: string; commandName?: string };

export class RequestCounterError extends ImmutrailError {
  readonly code = 'NOT_AN_SDK_CLIENT';
}

export const REQUEST_COUNTER_MIDDLEWARE = 'immutrailRequestCounter';

export class RequestCounter {
  readonly #counts = new Map<string, RequestCount>();
  /** Errors thrown by the observer: kept here, never passed to the request (counting must not change behaviour). */
  readonly observerErrors: unknown[] = [];

  /** Called after every attempt; the counter itself only counts. */
  constructor(private readonly observe?: (o: RequestObservation) => void) {}

  record(service: string, operation: string, failed = false): void {
    const key = `${service}.${operation}`;
    let c = this.#counts.get(key);
    if (!c) this.#counts.set(key, (c = { service, operation, requests: 0, errors: 0 }));
    c.requests += 1;
    if (failed) c.errors += 1;
  }

  /** Counts by "Service.Operation", sorted. */
  counts(): RequestCount[] {
    return [...this.#counts.values()].map((c) => ({ ...c })).sort((a, b) => (a.service + a.operation < b.service + b.operation ? -1 : 1));
  }

  total(): number {
    let n = 0;
    for (const c of this.#counts.values()) n += c.requests;
    return n;
  }

  reset(): void {
    this.#counts.clear();
  }

  /**
   * The middleware, for `client.middlewareStack.add(counter.middleware(), counter.options)`.
   * It sits in the finalizeRequest step below the retry middleware, so it runs once per attempt.
   */
  middleware(): (next: Handler, context: Context) => Handler {
    return (next, context) => async (args) => {
      const service = (context.clientName ?? 'AWS').replace(/Client$/, '');
      const operation = (context.commandName ?? 'Unknown').replace(/Command$/, '');
      try {
        const result = await next(args);
        this.record(service, operation);
        this.notify({ service, operation, input: args.input, output: result.output });
        return result;
      } catch (err) {
        this.record(service, operation, true);
        this.notify({ service, operation, input: args.input, output: undefined, error: err });
        throw err;
      }
    };
  }

  private notify(o: RequestObservation): void {
    try {
      this.observe?.(o);
    } catch (err) {
      this.observerErrors.push(err);
    }
  }

  readonly options = { step: 'finalizeRequest', priority: 'low', name: REQUEST_COUNTER_MIDDLEWARE, override: true } as const;

  /** Adds the counting middleware to one client (a DynamoDBDocumentClient shares its base client's stack). */
  attach(client: unknown): void {
    const stack = (client as Partial<CountableClient> | null)?.middlewareStack;
    if (!stack || typeof stack.add !== 'function') throw new RequestCounterError('not an AWS SDK v3 client: it has no middlewareStack');
    stack.add(this.middleware(), this.options);
  }
}
