/**
 * Runs `fn` over `items` with at most `limit` calls in flight, and returns the
 * results in the items' order. Workers take the next item as soon as they are
 * free, so one slow call does not hold back the others.
 *
 * The first rejection stops new items from starting; mapLimit rejects with it
 * once the calls already in flight have settled, so a caller that cleans up
 * afterwards (closes a file, say) knows nothing of its own still runs.
 */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  if (!(limit >= 1)) throw new RangeError(`mapLimit needs a limit of at least 1, not ${limit}`);
  const out: R[] = new Array(items.length);
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (!failure && next < items.length) {
      const i = next++;
      try {
        out[i] = await fn(items[i], i);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failure) throw failure.error;
  return out;
}
