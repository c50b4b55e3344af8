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
    // Sizes are read in parallel: one stat at a time makes listing a large copy slow.
    let pending: string[] = [];
    const flush = async function* (root: string, paths: string[]) {
      const sizes = await Promise.all(paths.map((p) => stat(p).then((s) => s.size)));
      for (let i = 0; i < paths.length; i++) yield { key: relative(root, paths[i]).split(sep).join('/'), size: sizes[i] };
    };
    for await (const path of walk(this.root)) {
      if (!relative(this.root, path).split(sep).join('/').startsWith(prefix)) continue;
      pending.push(path);
      if (pending.length === 256) {
        yield* flush(this.root, pending);
        pending = [];
      }
    }
    yield* flush(this.root, pending);
  }

  get(key: string): Promise<Buffer> {
    return readFile(this.localPath(key));
  }

  localPath(key: string): string {
    return join(this.root, ...key.split('/'));
  }

  describe(): string {
    return this.root;
  }
}
