import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildBatch, emptyHead, genesisDraft, type ChainHead } from '../../../lib/core/chain';
import type { RecordDraft } from '../../../lib/core/record';
import { DirSource } from '../../../lib/verify/dir-source';
import { LazyScanner, scanArchive } from '../../../lib/verify/scan-archive';
import type { BatchScanner } from '../../../lib/verify/scan-pool';

const coverage = (i: number): RecordDraft => ({
  kind: 'coverage',
  id: `c${i}`,
  data: { logFile: `f${i}`, total: i, archived: i, recovered: 0, skipped: 0, digestSha256: null },
});

/** A LazyScanner that records how many objects it was sized for on each call. */
class CountingScanner extends LazyScanner {
  readonly sizedFor: number[] = [];
  override get(objects: number): BatchScanner {
    this.sizedFor.push(objects);
    return super.get(objects);
  }
}

/** Jobs are cut by records as well as by objects; however they are cut, results come back in listing order. */
describe('scanArchive over a local archive', () => {
  const dir = mkdtempSync(join(tmpdir(), 'immutrail-scan-jobs-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  // 300 objects: most of one record, every tenth of 500 (so a job can be a single object)
  let head: ChainHead = emptyHead('api');
  let n = 0;
  for (let i = 0; i < 300; i++) {
    const size = i % 10 === 9 ? 500 : 1;
    const drafts = Array.from({ length: size }, () => coverage(n++));
    const b = buildBatch(head, i === 0 ? [genesisDraft('api', 'o'), ...drafts] : drafts, new Date(Date.UTC(2026, 0, 1)));
    head = b.newHead;
    const path = join(dir, ...b.key.split('/'));
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, b.body);
  }

  it('starts the threads for the whole listing (not for the first job) and keeps the order', async () => {
    const threaded = new CountingScanner();
    const inline = new LazyScanner(0);
    try {
      const [a, b] = [await scanArchive(new DirSource(dir), {}, threaded), await scanArchive(new DirSource(dir), {}, inline)];
      expect(threaded.sizedFor[0]).toBeGreaterThanOrEqual(256);
      expect(threaded.wantsWorkers(threaded.sizedFor[0])).toBe(true);
      expect(a.problems).toEqual([]);
      expect(a.batches.map((x) => x.key)).toEqual(b.batches.map((x) => x.key));
      expect(a.batches.map((x) => x.leaves.toString('hex'))).toEqual(b.batches.map((x) => x.leaves.toString('hex')));
      expect(a.batches.reduce((s, x) => s + x.count, 0)).toBe(n + 1);
    } finally {
      await Promise.all([threaded.close(), inline.close()]);
    }
  });
});
