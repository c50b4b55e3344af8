import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cli } from '../../support/cli';

describe('--dir with a folder that is not a copy of the archive bucket', () => {
  const empty = mkdtempSync(join(tmpdir(), 'immutrail-not-an-archive-'));
  afterAll(() => rmSync(empty, { recursive: true, force: true }));

  it('is refused in one line with exit 2 by verify, prove and query, instead of reading as an empty archive', async () => {
    for (const dir of [join(empty, 'no-such-folder'), empty]) {
      for (const argv of [
        ['verify', '--dir', dir, '--public-key', 'unused.pem'],
        ['prove', 'evt-1', '--dir', dir],
        ['query', 'iam-changes', '--dir', dir],
      ]) {
        const r = await cli(...argv);
        expect(r.code, argv.join(' ')).toBe(2);
        expect(r.stdout).toBe('');
        expect(r.stderr).toBe(`immutrail: ${dir} holds no records/ or checkpoints/ folder: give a copy of the archive bucket (aws s3 sync)\n`);
      }
    }
  });
});
