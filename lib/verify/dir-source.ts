import { readdirSync, type Dirent } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ArchiveSource } from '../core/archive-source';

const SIMPLE_KEY = /^[\w=-][\w=.-]*(\/[\w=-][\w=.-]*)*$/;

/** An archive copied to a local folder with its keys as relative paths (e.g. `aws s3 sync`). */
export class DirSource implements ArchiveSource {
  constructor(private readonly root: string) {}

  /**
   * Keys in name order, one folder at a time, without sizes: a stat per file
   * costs about as much as opening it, and the verifier learns each size when
   * it reads the file. Synchronous calls, on a thread the verifier also needs
   * for scanning: through fs/promises each costs several times the CPU.
   */
  async *list(prefix: string): AsyncIterable<{ key: string; size?: number }> {
    // Start at the deepest folder the prefix names, rather than walking the whole copy.
    const dirKey = prefix.slice(0, prefix.lastIndexOf('/') + 1);
    const walk = function* (dir: string, keyPrefix: string): Generator<{ key: string }[]> {
      let entries: Dirent[];
      try {
        entries = readdirSync(dir, { withFileTypes: true });
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'ENOENT' || code === 'ENOTDIR') return;
        throw err;
      }
      entries.sort((a, b) => (a.name < b.name ? -1 : 1));
      const files: { key: string }[] = [];
      for (const e of entries) {
        const key = keyPrefix + e.name;
        if (e.isDirectory()) {
          if (files.length > 0) yield files.splice(0);
          yield* walk(`${dir}/${e.name}`, `${key}/`);
        } else if (e.isFile() && key.startsWith(prefix)) {
          files.push({ key });
        }
      }
      if (files.length > 0) yield files;
    };
    for (const files of walk(dirKey === '' ? this.root : join(this.root, ...dirKey.split('/').filter(Boolean)), dirKey)) yield* files;
  }

  get(key: string): Promise<Buffer> {
    return readFile(this.localPath(key));
  }

  localPath(key: string): string {
    // Keys as listed need no normalising (called once per object); anything unusual goes through join.
    return SIMPLE_KEY.test(key) ? `${this.root}/${key}` : join(this.root, ...key.split('/'));
  }

  describe(): string {
    return this.root;
  }
}
