import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * immutrail's version, from the package.json above this file: two folders up
 * from source (lib/cli), three from the compiled package (dist/lib/cli), so it
 * is found by walking up rather than by a fixed relative path.
 */
export function packageVersion(from: string = __dirname): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'immutrail' && pkg.version) return pkg.version;
    }
    if (dirname(dir) === dir) return 'unknown';
  }
}
