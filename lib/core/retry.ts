/** How a call is tried again: how often, how long between tries, and on which errors. */
export interface RetryPolicy {
  /** Calls in all, the first included; the error of the last is thrown. */
  attempts: number;
  /** The mean wait before the second call; it doubles for each call after. */
  baseMs: number;
  /** The doubling stops after this many (a cap on the wait); unbounded when absent. */
  maxDoublings?: number;
  /** Which errors are worth another call; any other is thrown at once. */
  retryable: (err: unknown) => boolean;
  /** Test seams: the clock and the dice. */
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

const wait = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * The wait after failed call number `attempt` (1-based): exponential, with
 * jitter of ±50% so that writers who failed together (two Lambdas losing the
 * same compare-and-swap) do not come back together.
 */
export function backoffMs(attempt: number, policy: Pick<RetryPolicy, 'baseMs' | 'maxDoublings'>, random: () => number = Math.random): number {
  const doublings = Math.min(attempt - 1, policy.maxDoublings ?? Infinity);
  return policy.baseMs * 2 ** doublings * (0.5 + random());
}

/** Calls `fn` until it returns, throws an error `retryable` refuses, or has been called `attempts` times. */
export async function retry<T>(fn: (attempt: number) => Promise<T>, policy: RetryPolicy): Promise<T> {
  const sleep = policy.sleep ?? wait;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (err) {
      if (attempt >= policy.attempts || !policy.retryable(err)) throw err;
      await sleep(backoffMs(attempt, policy, policy.random));
    }
  }
}
