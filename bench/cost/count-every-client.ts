import { SQSClient } from '@aws-sdk/client-sqs';
import { REQUEST_COUNTER_MIDDLEWARE, type RequestCounter } from './request-counter';

/**
 * Attaches a RequestCounter to every SDK v3 client of this process the first
 * time it sends, including the clients the handlers' runtimes build inside
 * lib/ (ingestRuntime, sealRuntime), which the bench cannot reach otherwise.
 * Every generated client extends the same Smithy `Client` class, so wrapping
 * its `send` once is enough. `route()` picks the counter for the current
 * phase of the run; null leaves a request uncounted.
 */
export function countEveryClient(route: () => RequestCounter | null): void {
  const base = Object.getPrototypeOf(SQSClient.prototype) as { send: (...args: unknown[]) => unknown };
  const send = base.send;
  const attached = new WeakSet<object>();
  base.send = function (this: { middlewareStack: { add: (...a: unknown[]) => void } }, ...args: unknown[]) {
    if (!attached.has(this)) {
      attached.add(this);
      // One middleware per client; it asks route() on each request, so phases can change.
      this.middlewareStack.add(
        (next: (a: unknown) => Promise<unknown>, context: unknown) => (a: unknown) => {
          const counter = route();
          return counter ? (counter.middleware()(next as never, context as never) as (x: unknown) => Promise<unknown>)(a) : next(a);
        },
        { step: 'finalizeRequest', priority: 'low', name: REQUEST_COUNTER_MIDDLEWARE, override: true },
      );
    }
    return send.apply(this, args);
  };
}
