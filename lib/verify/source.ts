/** Where the verifier reads an archive from: S3 (through the SDK) or a local copy. */
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
