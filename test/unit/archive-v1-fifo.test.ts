import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { trustedKeyFromPem } from '../../lib/core/checkpoint';
import { buildInclusionProofOffline } from '../../lib/prove/offline-proof';
import { verifyProofFile } from '../../lib/prove/verify-proof';
import { DirSource } from '../../lib/verify/dir-source';
import { verifyArchive } from '../../lib/verify/verify-archive';

const FIXTURE = join(__dirname, '..', 'fixtures', 'archive-v1-fifo');
const origin = readFileSync(join(FIXTURE, 'origin.txt'), 'utf8').trim();
const keys = [trustedKeyFromPem(origin, readFileSync(join(FIXTURE, 'public-key.pem'), 'utf8'))];

// Issue 13: archives written by the FIFO data flow must still verify after the change to two lanes.
describe('an archive written before the two-lane data flow', () => {
  it('verifies: every record, link and checkpoint, with no problem and no duplicate id', async () => {
    const report = await verifyArchive(new DirSource(join(FIXTURE, 'archive')), { keys, checkDuplicates: true });
    expect(report.problems).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.records).toBe(32);
    expect(report.checkpoints).toMatchObject({ count: 3, valid: 3, latest: { size: 32 } });
  });

  it('proves one of its records offline, and the proof verifies with the public key alone', async () => {
    const r = await buildInclusionProofOffline(new DirSource(join(FIXTURE, 'archive')), 'v1-1-4');
    const verdict = verifyProofFile(r.proof, keys);
    expect(verdict.ok).toBe(true);
    expect(verdict.summary?.id).toBe('v1-1-4');
  });
});
