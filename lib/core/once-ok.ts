/**
 * Caches the promise `make` returns, unless it rejects: a failed cold start (a
 * throttled KMS GetPublicKey, say) must not poison every later invocation of
 * the same Lambda container, so the next call tries again.
 */
export function onceOk<T>(make: () => Promise<T>): () => Promise<T> {
  let cached: Promise<T> | undefined;
  return () => {
    cached ??= make().catch((err: unknown) => {
      cached = undefined;
      throw err;
    });
    return cached;
  };
}
