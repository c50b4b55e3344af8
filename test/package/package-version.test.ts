import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packageVersion } from '../../lib/cli/package-version';

describe('packageVersion (immutrail --version, from source or from dist/)', () => {
  it("is this package's version from lib/cli", () => {
    expect(packageVersion()).toBe((JSON.parse(readFileSync(join(__dirname, '../../package.json'), 'utf8')) as { version: string }).version);
  });

  it("walks up past folders and other packages to immutrail's package.json, as from dist/lib/cli", () => {
    const root = mkdtempSync(join(tmpdir(), 'immutrail-version-'));
    writeFileSync(join(root, 'package.json'), JSON.stringify({ name: 'immutrail', version: '9.8.7' }));
    const deep = join(root, 'dist', 'lib', 'cli');
    mkdirSync(deep, { recursive: true });
    writeFileSync(join(root, 'dist', 'package.json'), JSON.stringify({ name: 'something-else', version: '1.0.0' }));
    expect(packageVersion(deep)).toBe('9.8.7');
  });

  it("is 'unknown' where no immutrail package.json is above", () => {
    expect(packageVersion(mkdtempSync(join(tmpdir(), 'immutrail-noversion-')))).toBe('unknown');
  });
});
