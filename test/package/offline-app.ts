import { readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';

/**
 * A fresh app that depends on the packed tarball and the peer dependencies,
 * installable with `npm install --offline`. A plain offline install of
 * `aws-cdk-lib@x` fails (ENOTCACHED): npm ci fills the cache with tarballs but
 * not with the registry's package documents that a fresh resolution reads.
 * So the app starts from this repository's lockfile, with the root's
 * dependencies replaced: npm then resolves every package from the lock (whose
 * tarballs are cached), adds the tarball's own entry and prunes the rest.
 */
export function writeOfflineApp(appDir: string, repoRoot: string, tarball: string, peers: Record<string, string>): void {
  const dependencies = { immutrail: `file:${relative(appDir, tarball)}`, ...peers };
  const pkg = { name: 'packed-app', version: '1.0.0', private: true, dependencies };
  const lock = JSON.parse(readFileSync(join(repoRoot, 'package-lock.json'), 'utf8')) as { name: string; version: string; packages: Record<string, unknown> };
  lock.name = pkg.name;
  lock.version = pkg.version;
  lock.packages[''] = { name: pkg.name, version: pkg.version, dependencies };
  writeFileSync(join(appDir, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
  writeFileSync(join(appDir, 'package-lock.json'), `${JSON.stringify(lock, null, 2)}\n`);
}
