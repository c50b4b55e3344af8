import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(__dirname, '..', '..');
const FIXTURE = join(ROOT, 'test', 'fixtures', 'archive-v1-fifo');

/**
 * `immutrail/verify` must load in a plain Node program without the AWS SDK,
 * aws-cdk-lib or DuckDB. Loaded from source here (through tsx, in a fresh
 * process, so nothing vitest loaded counts); test/package/packed-install.test.ts
 * checks the compiled entry as installed from the tarball.
 */
const PROBE = `
const { readFileSync } = require('node:fs');
const { join } = require('node:path');
const api = require(${JSON.stringify(join(ROOT, 'lib', 'verify-api.ts'))});
const fixture = ${JSON.stringify(FIXTURE)};
const origin = readFileSync(join(fixture, 'origin.txt'), 'utf8').trim();
const keys = [api.trustedKeyFromPem(origin, readFileSync(join(fixture, 'public-key.pem'), 'utf8'))];
api.verifyArchiveDir(join(fixture, 'archive'), { keys }).then((report) => {
  const loaded = Object.keys(require.cache).filter((f) => /node_modules[\\\\/](@aws-sdk|@smithy|aws-cdk-lib|constructs|@duckdb|cdk-nag)[\\\\/]/.test(f));
  process.stdout.write(JSON.stringify({ ok: report.ok, records: report.records, loaded, exports: Object.keys(api).sort() }));
});
`;

describe('immutrail/verify (lib/verify-api.ts)', () => {
  it('verifies an archive directory in a process that never loads the AWS SDK, aws-cdk-lib or DuckDB', () => {
    const out = execFileSync(process.execPath, ['--import', 'tsx', '-e', PROBE], { cwd: ROOT, encoding: 'utf8' });
    const r = JSON.parse(out) as { ok: boolean; records: number; loaded: string[]; exports: string[] };
    expect(r.loaded).toEqual([]);
    expect(r).toMatchObject({ ok: true, records: 32 });
    expect(r.exports).toEqual(
      expect.arrayContaining([
        'verifyArchiveDir',
        'verifyArchive',
        'DirSource',
        'verifyProofFile',
        'parseProofFile',
        'parseSignedCheckpoint',
        'verifyCheckpoint',
        'canonicalBytes',
        'leafHash',
      ]),
    );
  });
});
