import { cpSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { trustedKeyFromPem } from '../../lib/core/checkpoint';
import { ingestSqsBatch } from '../../lib/ingest/sqs-batch';
import { seal } from '../../lib/seal/seal';
import { DirSource } from '../../lib/verify/dir-source';
import { verifyArchive, type VerifyReport } from '../../lib/verify/verify-archive';
import type { ProblemCode } from '../../lib/verify/problems';
import { createTestArchive, exportArchive, recordLines, shardBatchFiles, type TestArchive } from '../support/archive-env';
import { apiCallEnvelope, sqsEvent, sqsMessage } from '../support/events';
import { useMoto } from '../support/moto';

/**
 * Each tamper class on a copy of an archive written by the real ingest path
 * (an `aws s3 sync` of the bucket, as an auditor would receive it).
 */
describe('offline verification detects every tamper class', () => {
  const moto = useMoto();
  let archive: TestArchive;
  let pristine: string;
  let newestCheckpoint: Buffer;

  beforeAll(async () => {
    archive = await createTestArchive(moto.target);
    const deps = { ...archive.commitDeps(), alerts: { deliver: async () => {} } };
    const sealNow = () => seal({ store: archive.store, checkpoints: archive.checkpoints, signer: archive.signer, origin: archive.origin });
    for (let round = 0; round < 3; round++) {
      if (round === 1) {
        // An orphan in the middle of the chain, as a writer that crashed after its put leaves it.
        await ingestSqsBatch(
          {
            ...deps,
            afterPut: async () => {
              throw new Error('crash');
            },
          },
          sqsEvent([sqsMessage(apiCallEnvelope({ eventId: 'lost' }), 'api')]),
        );
      }
      await ingestSqsBatch(deps, sqsEvent(Array.from({ length: 6 }, (_, i) => sqsMessage(apiCallEnvelope({ eventId: `api-${round}-${i}` }), 'api'))));
      await ingestSqsBatch(deps, sqsEvent(Array.from({ length: 3 }, (_, i) => sqsMessage(apiCallEnvelope({ eventId: `ec2-${round}-${i}` }), 'ec2'))));
      await sealNow();
    }
    newestCheckpoint = (await archive.checkpoints.latest())!;
    pristine = mkdtempSync(join(tmpdir(), 'immutrail-export-'));
    await exportArchive(archive, pristine);
  });

  function copy(): string {
    return copyOf(pristine);
  }

  /** The shard's committed batch objects in sequence order (the orphan left out). */
  const batches = (dir: string, shard: string): string[] => shardBatchFiles(dir, shard, ['lost']);

  const lines = recordLines;
  const writeLines = (path: string, ls: string[]) => writeFileSync(path, ls.map((l) => l + '\n').join(''));

  async function verify(dir: string, trusted?: Buffer): Promise<VerifyReport> {
    const report = await verifyArchive(new DirSource(dir), { keys: [trustedKeyFromPem(archive.origin, archive.signer.publicKeyPem())], trusted });
    rmSync(dir, { recursive: true, force: true });
    return report;
  }

  const codes = (r: VerifyReport): ProblemCode[] => [...new Set(r.problems.map((p) => p.code))].sort();

  it('accepts the untouched archive and reports its orphan as benign', async () => {
    const r = await verify(copy());
    expect(r.problems).toEqual([]);
    expect(r.ok).toBe(true);
    expect(r.records).toBe(3 * 6 + 1 + 3 * 3 + 1);
    expect(r.notices.map((n) => n.code)).toContain('ORPHAN');
    expect(r.checkpoints.valid).toBe(3);
  });

  it('gives the same report when worker threads do the hashing', async () => {
    const keys = [trustedKeyFromPem(archive.origin, archive.signer.publicKeyPem())];
    const inline = await verifyArchive(new DirSource(pristine), { keys, threads: 0 });
    const threaded = await verifyArchive(new DirSource(pristine), { keys, threads: 2 });
    const strip = (r: VerifyReport) => ({ ...r, durationMs: 0 });
    expect(strip(threaded)).toEqual(strip(inline));
    const tampered = copy();
    const file = batches(tampered, 'api')[2];
    writeLines(
      file,
      lines(file).map((l, i) => (i === 1 ? l.replace('203.0.113.10', '203.0.113.99') : l)),
    );
    const [a, b] = [await verifyArchive(new DirSource(tampered), { keys, threads: 0 }), await verifyArchive(new DirSource(tampered), { keys, threads: 2 })];
    rmSync(tampered, { recursive: true, force: true });
    expect(b.problems).toEqual(a.problems);
    expect(b.ok).toBe(false);
  });

  it('detects one changed byte in a record and names the object and sequence', async () => {
    const dir = copy();
    const file = batches(dir, 'api')[2];
    const ls = lines(file);
    ls[2] = ls[2].replace('203.0.113.10', '203.0.113.11');
    writeLines(file, ls);
    const r = await verify(dir);
    expect(r.ok).toBe(false);
    const link = r.problems.find((p) => p.code === 'LINK');
    expect(link).toMatchObject({ shard: 'api', seq: JSON.parse(ls[3]).chain.seq });
    expect(link!.key).toContain('shard=api');
  });

  it('detects a deleted record', async () => {
    const dir = copy();
    const file = batches(dir, 'api')[1];
    const ls = lines(file);
    ls.splice(3, 1);
    writeLines(file, ls);
    const r = await verify(dir);
    expect(r.ok).toBe(false);
    expect(codes(r)).toEqual(expect.arrayContaining(['SEQUENCE', 'LINK']));
  });

  it('detects an inserted record', async () => {
    const dir = copy();
    const file = batches(dir, 'ec2')[0];
    const ls = lines(file);
    const forged = JSON.parse(ls[1]);
    forged.data.event.actor.arn = 'arn:aws:iam::111122223333:user/mallory';
    ls.splice(2, 0, JSON.stringify(forged));
    writeLines(file, ls);
    const r = await verify(dir);
    expect(r.ok).toBe(false);
    expect(r.problems.some((p) => p.code === 'LINK' || p.code === 'SEQUENCE')).toBe(true);
  });

  it('detects two swapped records', async () => {
    const dir = copy();
    const file = batches(dir, 'api')[0];
    const ls = lines(file);
    [ls[2], ls[3]] = [ls[3], ls[2]];
    writeLines(file, ls);
    const r = await verify(dir);
    expect(r.ok).toBe(false);
    expect(codes(r)).toEqual(expect.arrayContaining(['SEQUENCE']));
  });

  it('detects the newest batch removed through the checkpoint (truncation)', async () => {
    const dir = copy();
    const committed = batches(dir, 'ec2');
    rmSync(committed[committed.length - 1]);
    const r = await verify(dir);
    expect(r.ok).toBe(false);
    expect(r.problems.find((p) => p.code === 'TRUNCATED')).toMatchObject({ shard: 'ec2' });
  });

  it('detects a checkpoint whose signature does not verify', async () => {
    const dir = copy();
    const cdir = join(dir, 'checkpoints');
    const newest = readdirSync(cdir)
      .filter((n) => n.endsWith('.note'))
      .sort()
      .pop()!;
    const note = readFileSync(join(cdir, newest), 'utf8');
    // Re-sign nothing: change the time line the signature covers.
    writeFileSync(join(cdir, newest), note.replace(/time (\S+)/, 'time 2030-01-01T00:00:00.000Z'));
    const r = await verify(dir);
    expect(r.ok).toBe(false);
    expect(r.problems.find((p) => p.code === 'CHECKPOINT_SIGNATURE')!.key).toContain(newest);
  });

  it('detects a rollback to an older checkpoint against a trusted checkpoint', async () => {
    const dir = copy();
    const cdir = join(dir, 'checkpoints');
    const newest = readdirSync(cdir)
      .filter((n) => n.endsWith('.note'))
      .sort()
      .pop()!;
    rmSync(join(cdir, newest));
    const ec2 = batches(dir, 'ec2');
    rmSync(ec2[ec2.length - 1]);
    // The shard checkpoint (FORMAT.md 4.1) signed with the removed tail still shows it ...
    expect((await verify(copyOf(dir))).problems.map((p) => p.code)).toContain('TRUNCATED');
    // ... so a careful rollback removes it too.
    const ec2Notes = join(cdir, 'shards', 'ec2');
    rmSync(join(ec2Notes, readdirSync(ec2Notes).sort().pop()!));
    // Without the trusted checkpoint the shortened archive is self-consistent ...
    const alone = await verify(copyOf(dir));
    expect(alone.problems).toEqual([]);
    // ... with it, the rollback is caught.
    const r = await verify(dir, newestCheckpoint);
    expect(r.ok).toBe(false);
    expect(codes(r)).toContain('ROLLBACK');
  });

  it('detects a batch moved to another shard', async () => {
    const dir = copy();
    const file = batches(dir, 'api')[1];
    const target = file.replace('shard=api', 'shard=ec2');
    mkdirSync(dirname(target), { recursive: true });
    renameSync(file, target);
    const r = await verify(dir);
    expect(r.ok).toBe(false);
    expect(codes(r)).toEqual(expect.arrayContaining(['SHARD_MISMATCH']));
    expect(r.problems.some((p) => p.code === 'GAP' || p.code === 'TRUNCATED')).toBe(true);
  });

  function copyOf(dir: string): string {
    const to = mkdtempSync(join(tmpdir(), 'immutrail-tamper-'));
    cpSync(dir, to, { recursive: true });
    return to;
  }
});
