import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import type { ArchiveSource } from './source';

/** An archive copied to a local folder with its keys as relative paths (e.g. `aws s3 sync`). */
export class DirSource implements ArchiveSource {
  constructor(private readonly root: string) {}

  async *list(prefix: string): AsyncIterable<{ key: string; size: number }> {
    const walk = async function* (dir: string): AsyncIterable<string> {
      let entries;
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
        throw err;
      }
      for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
        const p = join(dir, e.name);
        if (e.isDirectory()) yield* walk(p);
        else if (e.isFile()) yield p;
      }
    };
    for await (const path of walk(this.root)) {
      const key = relative(this.root, path).split(sep).join('/');
      if (key.startsWith(prefix)) yield { key, size: (await stat(path)).size };
    }
  }

  get(key: string): Promise<Buffer> {
    return readFile(join(this.root, ...key.split('/')));
  }

  describe(): string {
    return this.root;
  }
}
