/**
 * True when reading an object failed because it is not there: S3's NoSuchKey
 * or a 404 (HeadObject and some proxies give no name), or a missing file in a
 * folder copy of the bucket. Duck-typed, so the offline verifier and provers
 * can tell "absent" from "unreadable" without loading the AWS SDK.
 */
export function isMissingObject(err: unknown): boolean {
  const e = err as { name?: string; code?: string; $metadata?: { httpStatusCode?: number } } | null | undefined;
  return e?.name === 'NoSuchKey' || e?.name === 'NotFound' || e?.code === 'ENOENT' || e?.code === 'ENOTDIR' || e?.$metadata?.httpStatusCode === 404;
}
