import { mkdirSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildBatch, type ChainHead } from '../../../lib/core/chain';
import { DirSource } from '../../../lib/verify/dir-source';
import { verifyArchive, type VerifyReport } from '../../../lib/verify/verify-archive';
import { drafts, MemoryArchive } from './memory-archive';

/**
 * verifyArchive first scans without keeping record hashes (the roots come from
 * each object's compact range) and scans again, keeping them, when a check
 * needs one inside an object. Either way the report must be the one a scan
 * that keeps every hash gives.
 */
describe('verifyArchive without the record hashes', () => {
  const root = mkdtempSync(join(tmpdir(), 'immutrail-noleaves-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  let n = 0;

  /** The archive as a folder, and a source that counts the objects read. */
  function folder(a: MemoryArchive) {
    const dir = join(root, String(n++));
    const files = [...a.objects, ...a.notes.map((c) => [c.key, c.note] as const)];
    for (const [key, body] of files) {
      mkdirSync(dirname(join(dir, key)), { recursive: true });
      writeFileSync(join(dir, key), body);
    }
    const source = new DirSource(dir);
    let reads = 0;
    const counted = Object.assign(Object.create(source) as DirSource, {
      localPath: (key: string) => (reads++, source.localPath(key)),
      reads: () => reads,
    });
    return { dir, source: counted };
  }

  const withoutTime = (r: VerifyReport) => ({ ...r, durationMs: 0 });

  async function compare(a: MemoryArchive, edit?: (dir: string) => void) {
    const { dir, source } = folder(a);
    edit?.(dir);
    const kept = await verifyArchive(source, { keys: a.keys, threads: 0, keepLeaves: true });
    const before = source.reads();
    const lean = await verifyArchive(source, { keys: a.keys, threads: 0 });
    expect(withoutTime(lean)).toEqual(withoutTime(kept));
    return { report: lean, scans: (source.reads() - before) / (before || 1) };
  }

  /** Three shards of two objects each, sealed after each round. */
  async function sealedArchive() {
    const a = new MemoryArchive();
    const first: ChainHead[] = ['api', 'ec2', 'ecs'].map((shard) => a.append(shard, `${shard}-1`, 40).newHead);
    await a.seal(first);
    await a.seal(first.map((h) => a.append(h, `${h.shard}-2`, 25).newHead));
    return { a, first };
  }

  it('reads each object once when every checkpoint falls between objects', async () => {
    const { a } = await sealedArchive();
    const { report, scans } = await compare(a);
    expect(report.ok).toBe(true);
    expect(scans).toBe(1);
  });

  /** An archive of two objects (records 0-10 and 11-19), and the head after record 14, inside the second one. */
  function headInside() {
    const a = new MemoryArchive();
    const b1 = a.append('api', 'one', 10);
    // Built with the same records and time as the second object, so its head is that object's at record 14.
    const time = new Date(Date.UTC(2026, 0, 1, 1));
    const full = buildBatch(b1.newHead, drafts('two', 9), time);
    a.objects.set(full.key, full.body);
    return { a, full, inside: buildBatch(b1.newHead, drafts('two', 9).slice(0, 4), time).newHead, time };
  }

  it('scans again, with the same report, for a checkpoint inside an object', async () => {
    const { a, inside } = headInside();
    await a.seal([inside]);
    const { report, scans } = await compare(a);
    expect(report.ok).toBe(true);
    expect(report.checkpoints.valid).toBe(1);
    expect(scans).toBe(2);
  });

  it('reports a changed record, a removed object and an orphan exactly as a full scan does', async () => {
    const second = (a: MemoryArchive) => [...a.objects.keys()].filter((k) => k.includes('shard=ec2')).sort()[1];
    const changed = await sealedArchive();
    const key = second(changed.a);
    const { report: tampered } = await compare(changed.a, (dir) =>
      writeFileSync(join(dir, key), readFileSync(join(dir, key), 'utf8').replace('ec2-2-3', 'ec2-2-X')),
    );
    expect(tampered.problems.map((p) => p.code)).toContain('LINK');

    const removed = await sealedArchive();
    const gone = second(removed.a);
    const { report: missing } = await compare(removed.a, (dir) => unlinkSync(join(dir, gone)));
    expect(missing.ok).toBe(false);

    // A writer that lost the race: an object at the same place as the committed one, never committed.
    const raced = await sealedArchive();
    raced.a.append(raced.first[0], 'lost', 5);
    const { report: orphan, scans } = await compare(raced.a);
    expect(orphan.ok).toBe(true);
    expect(orphan.notices.map((x) => x.code)).toContain('ORPHAN');
    expect(scans).toBe(1);
  });

  it('scans again for an orphan that starts inside a committed object', async () => {
    const { a, full, inside, time } = headInside();
    await a.seal([full.newHead]);
    // Written after record 14 by a writer that then lost: it links to a record inside the committed object.
    const lost = buildBatch(inside, drafts('lost', 2), time);
    a.objects.set(lost.key, lost.body);
    const { report, scans } = await compare(a);
    expect(report.notices.map((x) => x.code)).toEqual(['ORPHAN']);
    expect(scans).toBe(2);
  });
});
