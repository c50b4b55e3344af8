import { createHash } from 'node:crypto';

/**
 * Fault injection for AWS SDK v3 clients (issue 19): a seeded PRNG decides,
 * call by call, whether a request fails, and how. Two middlewares share the
 * decision stream of a client:
 *
 * - at the call level (the `serialize` step, above the SDK's retry), the fault
 *   reaches the caller as if the SDK had given up: 500s, throttling, timeouts,
 *   lost responses (the call runs on the emulator, then the caller gets an
 *   error) and unprocessed items for DynamoDB batch calls;
 * - at the attempt level (`finalizeRequest`, below the retry, where
 *   bench/cost/request-counter.ts counts attempts), the same errors are seen by the
 *   SDK's standard retry: a lost response there is retried on a request that
 *   already happened (a 412 on our own object, a failed condition on our own item).
 *
 * A fault is drawn at `rate / 2` per call and `rate / 2` per attempt (its kind
 * uniformly among the four); batch calls also return part of their items
 * unprocessed at `rate`.
 */

/** mulberry32: small, fast, good enough for test schedules; the same seed gives the same stream. */
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }

  /** An independent stream for `label`, derived from `seed` (so adding a stream does not shift the others). */
  static derive(seed: number, label: string): Rng {
    return new Rng(createHash('sha256').update(`${seed}/${label}`).digest().readUInt32BE(0));
  }

  next(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }

  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [items[i], items[j]] = [items[j], items[i]];
    }
    return items;
  }
}

export const FAULT_KINDS = ['server-error', 'throttle', 'timeout', 'lost-response', 'unprocessed', 'kill', 'lost-delete'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];
type CallKind = Exclude<FaultKind, 'kill' | 'lost-delete'>;

/** The process was killed (between the S3 put and the commit): the invocation ends, nothing after it runs. */
export class KilledError extends Error {
  readonly code = 'INJECTED_KILL';
  constructor() {
    super('process killed (injected)');
    this.name = 'KilledError';
  }
}

/** Marks errors this module made, so the suite can tell injected failures from real ones. */
export const INJECTED = Symbol.for('immutrail.faults.injected');

export const isInjected = (err: unknown): boolean =>
  typeof err === 'object' && err !== null && ((err as Record<symbol, unknown>)[INJECTED] === true || err instanceof KilledError);

/** A container: its clients stop answering once the process is killed. */
export interface Scope {
  killed: boolean;
}

type Handler = (args: { input?: Record<string, unknown> }) => Promise<{ output?: Record<string, unknown>; response?: unknown }>;
type Context = { clientName?: string; commandName?: string };
interface Stack {
  add(mw: (next: Handler, ctx: Context) => Handler, opts: Record<string, unknown>): void;
}

const BATCH_OPS = new Set(['BatchGetItem', 'BatchWriteItem']);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function serviceErrorName(service: string, kind: 'server-error' | 'throttle'): { name: string; status: number } {
  if (kind === 'throttle') {
    if (service === 'S3') return { name: 'SlowDown', status: 503 };
    if (service === 'SNS') return { name: 'Throttling', status: 400 };
    return { name: 'ThrottlingException', status: 400 };
  }
  if (service === 'S3' || service === 'SNS') return { name: 'InternalError', status: 500 };
  if (service === 'KMS') return { name: 'KMSInternalException', status: 500 };
  return { name: 'InternalServerError', status: 500 };
}

function injectedError(service: string, operation: string, kind: CallKind, level: 'call' | 'attempt'): Error {
  let err: Error;
  if (kind === 'server-error' || kind === 'throttle') {
    const { name, status } = serviceErrorName(service, kind);
    err = Object.assign(new Error(`${name} (injected ${kind} on ${service}.${operation}, ${level})`), {
      name,
      $fault: kind === 'throttle' ? 'client' : 'server',
      $metadata: { httpStatusCode: status, attempts: 1 },
      ...(kind === 'throttle' ? { $retryable: { throttling: true } } : {}),
    });
  } else if (kind === 'timeout') {
    err = Object.assign(new Error(`connect ETIMEDOUT (injected timeout on ${service}.${operation}, ${level})`), {
      name: 'TimeoutError',
      code: 'ETIMEDOUT',
      $metadata: {},
    });
  } else {
    // The request was served; the response never came back.
    err = Object.assign(new Error(`socket hang up (injected lost response on ${service}.${operation}, ${level})`), {
      name: 'Error',
      code: 'ECONNRESET',
      $metadata: {},
    });
  }
  (err as unknown as Record<symbol, unknown>)[INJECTED] = true;
  return err;
}

export interface FaultCounts {
  byKind: Record<FaultKind, number>;
  /** Faults the caller saw directly / the SDK's retry saw first. */
  call: number;
  attempt: number;
  /** Calls and attempts the middlewares saw (faults enabled or not). */
  calls: number;
  attempts: number;
}

export class FaultInjector {
  /** Faults are drawn only while enabled (the DLQ redrive and the audit run without). */
  enabled = true;
  readonly counts: FaultCounts = {
    byKind: Object.fromEntries(FAULT_KINDS.map((k) => [k, 0])) as Record<FaultKind, number>,
    call: 0,
    attempt: 0,
    calls: 0,
    attempts: 0,
  };
  /** Successful SNS publishes (messages that reached the topic). */
  published = 0;

  constructor(
    readonly seed: number,
    readonly rate: number,
  ) {}

  count(kind: FaultKind): void {
    this.counts.byKind[kind]++;
  }

  /** Wraps one client; `label` names its decision stream, `scope` its container. */
  attach(client: unknown, label: string, scope: Scope): void {
    const stack = (client as { middlewareStack?: Stack }).middlewareStack;
    if (!stack) throw new Error('not an AWS SDK v3 client');
    const callRng = Rng.derive(this.seed, `${label}/call`);
    const attemptRng = Rng.derive(this.seed, `${label}/attempt`);
    const names = (ctx: Context) => ({
      service: (ctx.clientName ?? 'AWS').replace(/Client$/, ''),
      operation: (ctx.commandName ?? 'Unknown').replace(/Command$/, ''),
    });

    stack.add(
      (next, ctx) => async (args) => {
        const { service, operation } = names(ctx);
        if (scope.killed) throw new KilledError();
        this.counts.calls++;
        // Draw every time, enabled or not, so a client's stream does not depend on when faults were switched off.
        const hit = callRng.next() < this.rate / 2;
        const pick = callRng.next();
        // Batch calls also come back with part of their items unprocessed, at the full rate.
        const partial = callRng.next() < this.rate && BATCH_OPS.has(operation);
        if (!this.enabled || (!hit && !partial)) return this.observe(service, operation, args, await next(args));
        const kinds: CallKind[] = ['server-error', 'throttle', 'timeout', 'lost-response'];
        const kind = hit ? kinds[Math.floor(pick * kinds.length)] : 'unprocessed';
        this.count(kind);
        this.counts.call++;
        if (kind === 'unprocessed') return this.unprocessed(operation, args, next);
        if (kind === 'lost-response') {
          this.observe(service, operation, args, await next(args));
          throw injectedError(service, operation, kind, 'call');
        }
        if (kind === 'timeout') await sleep(5 + (Math.floor(pick * 1000) % 20));
        throw injectedError(service, operation, kind, 'call');
      },
      { step: 'serialize', priority: 'high', name: 'immutrailFaultsCall', override: true },
    );

    stack.add(
      (next, ctx) => async (args) => {
        const { service, operation } = names(ctx);
        if (scope.killed) throw new KilledError();
        this.counts.attempts++;
        const hit = attemptRng.next() < this.rate / 2;
        const pick = attemptRng.next();
        if (!this.enabled || !hit) return next(args);
        const kinds: CallKind[] = ['server-error', 'throttle', 'timeout', 'lost-response'];
        const kind = kinds[Math.floor(pick * kinds.length)];
        this.count(kind);
        this.counts.attempt++;
        if (kind === 'lost-response') {
          await next(args);
          throw injectedError(service, operation, kind, 'attempt');
        }
        if (kind === 'timeout') await sleep(5 + (Math.floor(pick * 1000) % 20));
        throw injectedError(service, operation, kind, 'attempt');
      },
      { step: 'finalizeRequest', priority: 'low', name: 'immutrailFaultsAttempt', override: true },
    );
  }

  private observe<T extends { output?: Record<string, unknown> }>(service: string, operation: string, args: { input?: Record<string, unknown> }, out: T): T {
    if (service === 'SNS' && operation === 'Publish') this.published++;
    if (service === 'SNS' && operation === 'PublishBatch') this.published += ((out.output?.Successful as unknown[]) ?? []).length;
    void args;
    return out;
  }

  /** Runs the batch call on part of its items and reports the rest unprocessed, as DynamoDB does under load. */
  private async unprocessed(operation: string, args: { input?: Record<string, unknown> }, next: Handler) {
    const requestItems = (args.input?.RequestItems ?? {}) as Record<string, unknown>;
    const [table] = Object.keys(requestItems);
    if (operation === 'BatchGetItem') {
      const spec = requestItems[table] as { Keys: unknown[] };
      const keep = Math.floor(spec.Keys.length / 2);
      const rest = spec.Keys.slice(keep);
      if (keep === 0)
        return {
          response: { statusCode: 200, headers: {} },
          output: { $metadata: { httpStatusCode: 200 }, Responses: { [table]: [] }, UnprocessedKeys: { [table]: { ...spec, Keys: rest } } },
        };
      const out = await next({ ...args, input: { ...args.input, RequestItems: { ...requestItems, [table]: { ...spec, Keys: spec.Keys.slice(0, keep) } } } });
      out.output = { ...out.output, UnprocessedKeys: { [table]: { ...spec, Keys: rest } } };
      return out;
    }
    const writes = requestItems[table] as unknown[];
    const keep = Math.floor(writes.length / 2);
    const rest = writes.slice(keep);
    if (keep === 0) return { response: { statusCode: 200, headers: {} }, output: { $metadata: { httpStatusCode: 200 }, UnprocessedItems: { [table]: rest } } };
    const out = await next({ ...args, input: { ...args.input, RequestItems: { ...requestItems, [table]: writes.slice(0, keep) } } });
    out.output = { ...out.output, UnprocessedItems: { [table]: rest } };
    return out;
  }
}
