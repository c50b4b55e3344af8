import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildBatch, emptyHead, genesisDraft, type Batch } from '../../lib/core/chain';
import { CompactRange, rootOf } from '../../lib/core/merkle';
import type { RecordDraft } from '../../lib/core/record';
import { scanBatch, type ScannedBatch } from '../../lib/verify/scan-batch';
import { LocalReader, scanLocalObjects } from '../../lib/verify/scan-local';

const drafts = (n: number, pad = 0, id = (i: number) => `ev-${i}`): RecordDraft[] =>
  Array.from({ length: n }, (_, i) => ({
    kind: 'coverage' as const,
    id: id(i),
    data: { logFile: `s3://trail/${'x'.repeat(pad)}/${i}.json.gz`, total: i, archived: i, recovered: 0, skipped: 0, digestSha256: null },
  }));

const genesisBatch = (n: number, pad = 0): Batch => buildBatch(emptyHead('api'), [genesisDraft('api', 'o'), ...drafts(n, pad)], new Date(Date.UTC(2026, 0, 2)));

const lines = (b: Buffer): string[] => b.toString('utf8').split('\n').slice(0, -1);
const body = (ls: readonly string[]): Buffer => Buffer.from(ls.map((l) => `${l}\n`).join(''));
const leafHex = (line: string) =>
  createHash('sha256')
    .update(Buffer.from([0]))
    .update(line)
    .digest('hex');
const ok = (r: ReturnType<typeof scanBatch>): ScannedBatch => {
  if (Array.isArray(r)) throw new Error(`not scanned: ${JSON.stringify(r)}`);
  return r;
};
const codes = (r: ScannedBatch) => r.problems.map((p) => p.code).sort();

describe('scanBatch', () => {
  it('gives the record hashes the ingest path computed, and the links at both ends', () => {
    const b = genesisBatch(9);
    const r = ok(scanBatch(b.key, b.body));
    expect(r.problems).toEqual([]);
    expect(r.count).toBe(10);
    expect(Array.from({ length: r.count }, (_, i) => r.leaves.toString('hex', i * 32, i * 32 + 32))).toEqual(b.hashes);
    expect(r.firstPrev).toBe('0'.repeat(64));
    expect(r.lastHash).toBe(b.hashes.at(-1));
    expect(r.firstKind).toBe('genesis');
    expect(r.bytes).toBe(b.body.length);
  });

  it("gives the compact range over its leaves from the key's first sequence", () => {
    const first = genesisBatch(9);
    const next = buildBatch(first.newHead, drafts(13), new Date(Date.UTC(2026, 0, 2)));
    for (const b of [first, next]) {
      const r = ok(scanBatch(b.key, b.body));
      const expected = new CompactRange(r.firstSeq);
      for (let i = 0; i < r.count; i++) expected.appendLeaf(r.leaves, 32 * i);
      expect(r.range.toString('hex')).toBe(expected.bytes().toString('hex'));
    }
    // Joined in chain order, the two ranges give the root of all 23 leaves.
    const scanned = [first, next].map((b) => ok(scanBatch(b.key, b.body)));
    const joined = new CompactRange(0);
    for (const r of scanned) joined.appendRange(r.lastSeq + 1, r.range);
    expect(joined.root().toString('hex')).toBe(
      rootOf(scanned.flatMap((r) => Array.from({ length: r.count }, (_, i) => r.leaves.subarray(32 * i, 32 * i + 32)))).toString('hex'),
    );
  });

  it("leaves the caller's bytes as they were", () => {
    const b = genesisBatch(3);
    const copy = Buffer.from(b.body);
    scanBatch(b.key, b.body);
    expect(b.body.equals(copy)).toBe(true);
  });

  it('hashes each line as SHA-256(0x00 || line), whatever the line holds', () => {
    const b = genesisBatch(4);
    const ls = lines(b.body);
    ls[2] = 'not a record';
    ls[3] = `${ls[3]} `;
    const r = ok(scanBatch(b.key, body(ls)));
    expect(Array.from({ length: r.count }, (_, i) => r.leaves.toString('hex', i * 32, i * 32 + 32))).toEqual(ls.map(leafHex));
    expect(codes(r)).toContain('PARSE');
  });

  it('reports a changed record as a broken link to the next one and a key that no longer matches', () => {
    const b = genesisBatch(4);
    const ls = lines(b.body);
    ls[1] = ls[1].replace('"total":0', '"total":7');
    const r = ok(scanBatch(b.key, body(ls)));
    expect(r.problems.map((p) => [p.code, p.seq])).toEqual([['LINK', 2]]);
    ls[4] = ls[4].replace('"total":3', '"total":8');
    expect(codes(ok(scanBatch(b.key, body(ls))))).toEqual(['KEY_MISMATCH', 'LINK']);
  });

  it('compares every digit of prev with the hash of the record before', () => {
    const b = genesisBatch(3);
    for (const at of [0, 31, 63]) {
      const ls = lines(b.body);
      const prev = b.hashes[1];
      const changed = prev.slice(0, at) + (prev[at] === '0' ? '1' : '0') + prev.slice(at + 1);
      ls[2] = ls[2].replace(`"prev":"${prev}"`, `"prev":"${changed}"`);
      expect(ok(scanBatch(b.key, body(ls))).problems.map((p) => [p.code, p.seq])).toEqual([
        ['LINK', 2],
        ['LINK', 3],
      ]);
    }
  });

  it('reads a header that is valid JSON but not canonical, and checks it the same way', () => {
    const b = genesisBatch(2);
    const ls = lines(b.body);
    const rec = JSON.parse(ls[1]);
    // Same fields, other member order: not what immutrail writes, still readable.
    const { chain } = rec;
    ls[1] = JSON.stringify({
      chain: { v: chain.v, time: chain.time, shard: 'ec2', seq: chain.seq, prev: chain.prev, kind: chain.kind, id: chain.id },
      data: rec.data,
    });
    const r = ok(scanBatch(b.key, body(ls), { collectIds: true }));
    // The next record no longer links (the line's bytes changed), and the shard is wrong; the prev field itself still links.
    expect(r.problems.map((p) => [p.code, p.seq])).toEqual([
      ['SHARD_MISMATCH', 1],
      ['LINK', 2],
    ]);
    expect(r.ids).toEqual(['genesis:api', 'ev-0', 'ev-1']);
  });

  it('reports sequences out of order, a record of another shard, and a missing final newline', () => {
    const b = genesisBatch(3);
    const ls = lines(b.body);
    const swapped = body([ls[0], ls[2], ls[1], ls[3]]);
    expect(codes(ok(scanBatch(b.key, swapped)))).toEqual(expect.arrayContaining(['LINK', 'SEQUENCE']));
    const moved = buildBatch(emptyHead('ec2'), [genesisDraft('ec2', 'o'), ...drafts(3)], new Date(Date.UTC(2026, 0, 2)));
    expect(codes(ok(scanBatch(b.key, moved.body)))).toEqual(expect.arrayContaining(['KEY_MISMATCH', 'SHARD_MISMATCH']));
    expect(codes(ok(scanBatch(b.key, b.body.subarray(0, -1))))).toEqual(['PARSE']);
  });

  it('collects ids, decoding escapes', () => {
    const b = buildBatch(
      emptyHead('api'),
      [genesisDraft('api', 'o'), ...drafts(2, 0, (i) => (i === 0 ? 'quote"and\\slash' : 'é-ü'))],
      new Date(Date.UTC(2026, 0, 2)),
    );
    expect(ok(scanBatch(b.key, b.body, { collectIds: true })).ids).toEqual(['genesis:api', 'quote"and\\slash', 'é-ü']);
  });

  it('names a key that is not a batch key', () => {
    expect(scanBatch('records/elsewhere.txt', Buffer.from('x\n'))).toEqual([expect.objectContaining({ code: 'FOREIGN_OBJECT' })]);
  });
});

describe('scanLocalObjects', () => {
  const dir = mkdtempSync(join(tmpdir(), 'immutrail-scan-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads each file whole, whatever size the listing gave, and scans it as scanBatch does', () => {
    // Records of about 10 KB, so that one object outgrows the reader's first buffer.
    const small = genesisBatch(3);
    const large = genesisBatch(20, 10_000);
    expect(large.body.length).toBeGreaterThan(1 << 17);
    writeFileSync(join(dir, 'small'), small.body);
    writeFileSync(join(dir, 'large'), large.body);
    const reader = new LocalReader();
    // Right sizes, wrong ones, and none (a local listing gives none).
    for (const sizes of [
      [small.body.length, large.body.length],
      [0, 0],
      [10, 1 << 20],
      [undefined, undefined],
    ]) {
      const got = scanLocalObjects(reader, [
        { key: small.key, path: join(dir, 'small'), size: sizes[0] },
        { key: large.key, path: join(dir, 'large'), size: sizes[1] },
        { key: small.key, path: join(dir, 'small'), size: sizes[0] },
      ]);
      expect(got).toEqual([scanBatch(small.key, small.body), scanBatch(large.key, large.body), scanBatch(small.key, small.body)]);
    }
  });

  it('reports a file that cannot be read as UNREADABLE and goes on', () => {
    const b = genesisBatch(1);
    writeFileSync(join(dir, 'one'), b.body);
    const [missing, present] = scanLocalObjects(new LocalReader(), [
      { key: b.key, path: join(dir, 'missing'), size: 10 },
      { key: b.key, path: join(dir, 'one'), size: b.body.length },
    ]);
    expect(missing).toEqual([expect.objectContaining({ code: 'UNREADABLE', key: b.key })]);
    expect(ok(present).problems).toEqual([]);
  });
});
