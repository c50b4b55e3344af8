import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { isLogFileCandidate } from '../contract/key-layout';
import type { TrailBucket } from './trail-bucket';

/** Where backfill reads trail log files from: a local folder or an S3 prefix. */
export interface LogFileSource {
  /** The S3 bucket the files are in; null for local files (no coverage record can name them). */
  readonly bucket: string | null;
  describe(): string;
  /** Names of the log files (S3 keys, or paths relative to the folder with "/"), sorted. */
  list(): Promise<string[]>;
  read(name: string): Promise<Buffer>;
}

export class DirLogFiles implements LogFileSource {
  readonly bucket = null;
  constructor(private readonly dir: string) {}

  describe(): string {
    return this.dir;
  }

  async list(): Promise<string[]> {
    const names: string[] = [];
    const walk = async (folder: string): Promise<void> => {
      for (const entry of await readdir(folder, { withFileTypes: true })) {
        const path = join(folder, entry.name);
        if (entry.isDirectory()) await walk(path);
        else if (entry.isFile() || (entry.isSymbolicLink() && (await stat(path)).isFile())) {
          const name = relative(this.dir, path).split(sep).join('/');
          if (isLogFileCandidate(name)) names.push(name);
        }
      }
    };
    await walk(this.dir);
    return names.sort();
  }

  read(name: string): Promise<Buffer> {
    return readFile(join(this.dir, ...name.split('/')));
  }
}

export class S3LogFiles implements LogFileSource {
  constructor(
    private readonly trail: Pick<TrailBucket, 'bucket' | 'list' | 'get'>,
    private readonly prefix = '',
  ) {}

  get bucket(): string {
    return this.trail.bucket;
  }

  describe(): string {
    return `s3://${this.trail.bucket}/${this.prefix}`;
  }

  async list(): Promise<string[]> {
    const keys: string[] = [];
    for await (const key of this.trail.list(this.prefix)) if (isLogFileCandidate(key)) keys.push(key);
    return keys.sort();
  }

  read(key: string): Promise<Buffer> {
    return this.trail.get(key);
  }
}
