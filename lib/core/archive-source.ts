/**
 * Where an archive is read from: the bucket through the SDK (lib/aws/s3-source.ts)
 * or a local copy of it (lib/verify/dir-source.ts). The verifier, prove,
 * report, evidence and the local query engine all read through this one shape.
 */
export interface ArchiveSource {
  /**
   * Keys under a prefix, in key order, with their size when the listing has it
   * for free (S3's does; a local folder leaves it out rather than stat every file).
   */
  list(prefix: string): AsyncIterable<{ key: string; size?: number }>;
  get(key: string): Promise<Buffer>;
  describe(): string;
  /** For a local copy: the file behind a key, so worker threads can read it themselves. */
  localPath?(key: string): string;
}
