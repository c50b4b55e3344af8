import { describe, expect, it } from 'vitest';
import { checkArchive, type CheckOptions } from '../../../lib/verify';
import { scanBatch } from '../../../lib/verify/scan-batch';
import { MemoryArchive } from './memory-archive';

const codes = (fs: readonly { code: string }[]) => fs.map((f) => f.code);

describe('checkArchive: the pure check over scanned batches and checkpoint notes', () => {
  const opts = (a: MemoryArchive, more: Partial<CheckOptions> = {}): CheckOptions => ({ keys: a.keys, partial: false, ...more });

  it('accepts an intact sealed archive with nothing to note', async () => {
    const a = new MemoryArchive();
    const b1 = a.append('api', 'one', 3);
    const b2 = a.append(b1.newHead, 'two', 2);
    await a.seal([b2.newHead]);
    const r = await checkArchive({ notes: a.notes, batches: a.batches() }, opts(a));
    expect(r.problems).toEqual([]);
    expect(r.notices).toEqual([]);
    expect(r.shards).toEqual([{ shard: 'api', records: 6, objects: 2, orphans: 0, head: b2.newHead.hash, sealed: 6 }]);
  });

  it('reports two objects competing past the newest checkpoint as candidates, counts neither, and names neither as the head', async () => {
    const a = new MemoryArchive();
    const b1 = a.append('api', 'one', 3);
    await a.seal([b1.newHead]);
    // A writer that died after its put (two records), and the redelivery that committed one record at the same place.
    const dead = a.append(b1.newHead, 'dead', 2);
    const live = a.append(b1.newHead, 'live', 1);
    const r = await checkArchive({ notes: a.notes, batches: a.batches() }, opts(a));
    expect(r.problems).toEqual([]);
    expect(codes(r.notices)).toEqual(['UNRESOLVED_FORK']);
    expect(r.notices[0].message).toContain(dead.key);
    expect(r.notices[0].message).toContain(live.key);
    expect(r.notices[0].message).toContain('sequence 4');
    expect(r.shards[0]).toMatchObject({ records: 4, head: b1.newHead.hash, orphans: 0 });
    expect(r.assembled.get('api')!.fork).toEqual({ seq: 4, candidates: expect.arrayContaining([dead.key, live.key]) });

    // Once a checkpoint covers one branch, it is committed and the other is an orphan.
    await a.seal([live.newHead]);
    const sealed = await checkArchive({ notes: a.notes, batches: a.batches() }, opts(a));
    expect(sealed.problems).toEqual([]);
    expect(codes(sealed.notices)).toEqual(['ORPHAN']);
    expect(sealed.notices[0].key).toBe(dead.key);
    expect(sealed.shards[0]).toMatchObject({ records: 5, head: live.newHead.hash, orphans: 1 });
  });

  it('takes a single object past the newest checkpoint as unsealed, not as a fork', async () => {
    const a = new MemoryArchive();
    const b1 = a.append('api', 'one', 1);
    await a.seal([b1.newHead]);
    a.append(b1.newHead, 'next', 2);
    const r = await checkArchive({ notes: a.notes, batches: a.batches() }, opts(a));
    expect(r.problems).toEqual([]);
    expect(codes(r.notices)).toEqual(['UNSEALED']);
    expect(r.shards[0].records).toBe(4);
  });

  it('notes an archive with no checkpoint, and makes it a problem only with a trusted checkpoint or a maximum seal gap', async () => {
    const sealedElsewhere = new MemoryArchive();
    const b = sealedElsewhere.append('api', 'one', 2);
    const trusted = await sealedElsewhere.seal([b.newHead]);
    const input = { notes: [], batches: sealedElsewhere.batches() };
    const keys = sealedElsewhere.keys;
    const plain = await checkArchive(input, { keys, partial: false });
    expect(plain.problems).toEqual([]);
    expect(codes(plain.notices)).toEqual(['NO_CHECKPOINT', 'UNSEALED']);
    expect(codes((await checkArchive(input, { keys, partial: false, maxSealGapMs: 3_600_000 })).problems)).toEqual(['SEAL_GAP']);
    expect(codes((await checkArchive({ ...input, trusted }, { keys, partial: false })).problems)).toEqual(['ROLLBACK']);
  });

  it('needs the trusted checkpoint only to be extended, not stored in the archive', async () => {
    const a = new MemoryArchive();
    const b1 = a.append('api', 'one', 2);
    const trusted = await a.seal([b1.newHead]);
    const b2 = a.append(b1.newHead, 'two', 2);
    await a.seal([b2.newHead]);
    a.notes.shift(); // the trusted note itself is gone from the archive: only its own chain link is missing
    const r = await checkArchive({ notes: a.notes, batches: a.batches(), trusted }, opts(a));
    expect(codes(r.problems)).toEqual(['CHECKPOINT_CHAIN']);
    expect(r.extension).toEqual({ method: 'records', shards: [{ shard: 'api', trustedSize: 3, latestSize: 5, ok: true }] });
  });

  it('reports a checkpoint stored under a key that does not name its size, time and hash', async () => {
    const a = new MemoryArchive();
    const b1 = a.append('api', 'one', 1);
    await a.seal([b1.newHead]);
    a.notes[0] = { ...a.notes[0], key: a.notes[0].key.replace(/-[0-9a-f]{16}\.note$/, '-0000000000000000.note') };
    const r = await checkArchive({ notes: a.notes, batches: a.batches() }, opts(a));
    expect(codes(r.problems)).toEqual(['CHECKPOINT_MALFORMED']);
    expect(r.problems[0].message).toContain('does not name');
    expect(r.checkpoints.valid).toHaveLength(1);
  });

  it('reports a chain header with a member too many, a wrong version or an unknown kind', () => {
    const a = new MemoryArchive();
    const b = a.append('api', 'one', 3);
    const lines = b.body.toString('utf8').trimEnd().split('\n');
    const variants = [
      lines[1].replace('"v":1}', '"v":1,"x":0}'),
      lines[1].replace('"v":1}', '"v":2}'),
      lines[1].replace('"kind":"coverage"', '"kind":"other"'),
    ];
    for (const line of variants) {
      const body = Buffer.from([lines[0], line, ...lines.slice(2)].join('\n') + '\n');
      const scanned = scanBatch(b.key, body);
      const problems = Array.isArray(scanned) ? scanned : scanned.problems;
      expect(codes(problems)).toContain('HEADER');
    }
    const intact = scanBatch(b.key, b.body);
    expect(Array.isArray(intact) ? intact : intact.problems).toEqual([]);
  });
});
