import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeCheckpoint, parseSignedCheckpoint, trustedKeyFromPem, type SignedCheckpoint } from '../../lib/core/checkpoint';
import { parseBatchKey } from '../../lib/core/layout';
import { ingestSqsBatch } from '../../lib/ingest/sqs-batch';
import { tileTreeSource } from '../../lib/prove/tile-tree-source';
import { seal, signCheckpoint } from '../../lib/seal/seal';
import { archiveTileStep } from '../../lib/seal/tile-step';
import { DirSource } from '../../lib/verify/dir-source';
import { verifyArchive } from '../../lib/verify/verify-archive';
import { createTestArchive, exportArchive, type TestArchive } from '../support/archive-env';
import { cli } from '../support/cli';
import { apiCallEnvelope, sqsEvent, sqsMessage } from '../support/events';
import { useMoto } from '../support/moto';

/**
 * `immutrail consistency` and `verify --trusted-checkpoint` with a range, on an
 * archive written by the real ingest and seal paths (moto): three checkpoints,
 * the first one trusted. The extension is proven by consistency proofs, from
 * the C2SP tiles the seal wrote to the bucket (or a copy of it, no table),
 * with the records before the trusted size deleted.
 */
describe('consistency proofs between checkpoints of an archive', () => {
  const moto = useMoto();
  let archive: TestArchive;
  let work: string;
  let pristine: string;
  let pem: string;
  let first: SignedCheckpoint;
  let newest: SignedCheckpoint;
  let firstPath: string;
  let newestPath: string;

  const ingest = (shard: string, ids: string[]) =>
    ingestSqsBatch(
      { ...archive.commitDeps(), alerts: { deliver: async () => {} } },
      sqsEvent(ids.map((id) => sqsMessage(apiCallEnvelope({ eventId: id }), shard))),
    );

  beforeAll(async () => {
    archive = await createTestArchive(moto.target);
    const notes: Buffer[] = [];
    for (let round = 0; round < 3; round++) {
      await ingest(
        'api',
        Array.from({ length: 5 }, (_, i) => `api-${round}-${i}`),
      );
      await ingest(
        'ec2',
        Array.from({ length: 2 }, (_, i) => `ec2-${round}-${i}`),
      );
      const { signed, shardNotes } = await seal({ store: archive.store, checkpoints: archive.checkpoints, signer: archive.signer, origin: archive.origin });
      await archiveTileStep({ ddb: archive.ddb, s3: archive.s3 }, { table: archive.table, bucket: archive.bucket, retentionDays: 0 })(shardNotes);
      notes.push(signed.note);
    }
    first = parseSignedCheckpoint(notes[0]!);
    newest = parseSignedCheckpoint(notes[2]!);
    work = mkdtempSync(join(tmpdir(), 'immutrail-consistency-'));
    pristine = join(work, 'pristine');
    await exportArchive(archive, pristine);
    pem = join(work, 'public.pem');
    writeFileSync(pem, archive.signer.publicKeyPem());
    firstPath = join(work, 'first.note');
    newestPath = join(work, 'newest.note');
    writeFileSync(firstPath, notes[0]!);
    writeFileSync(newestPath, notes[2]!);
  });

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  const moto$ = () => ['--endpoint', moto.target.endpoint!, '--region', moto.target.region];
  const trustedSize = (shard: string) => first.checkpoint.shards.find((s) => s.shard === shard)!.size;

  /** A copy of the archive without the batch objects that hold only records before the trusted size. */
  function copyWithoutOldRecords(): string {
    const dir = join(work, `copy-${readdirSync(work).length}`);
    cpSync(pristine, dir, { recursive: true });
    let removed = 0;
    for (const shard of ['api', 'ec2']) {
      const root = join(dir, 'records', `shard=${shard}`);
      for (const rel of readdirSync(root, { recursive: true })
        .map(String)
        .filter((p) => p.endsWith('.ndjson'))) {
        const k = parseBatchKey(`records/shard=${shard}/${rel}`)!;
        if (k.lastSeq < trustedSize(shard)) {
          rmSync(join(root, rel));
          removed++;
        }
      }
    }
    expect(removed).toBeGreaterThan(0);
    return dir;
  }

  describe('immutrail consistency OLD NEW', () => {
    it('proves every shard from a copy of the archive and writes a proof file that checks offline', async () => {
      const out = join(work, 'consistency.json');
      const r = await cli('consistency', firstPath, newestPath, '--dir', pristine, '--public-key', pem, '--out', out);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/ok {4}shard api +6 -> 16 records/);
      expect(r.stdout).toMatch(/ok {4}shard ec2 +3 -> 7 records/);
      expect(r.stdout).toContain('CONSISTENT');
      expect(existsSync(out)).toBe(true);

      const offline = await cli('consistency', '--proof', out, '--public-key', pem, '--json');
      expect(offline.code).toBe(0);
      expect(JSON.parse(offline.stdout)).toMatchObject({
        ok: true,
        vanished: [],
        shards: [
          { shard: 'api', ok: true },
          { shard: 'ec2', ok: true },
        ],
      });

      // One flipped proof hash: exit 1 and the reason.
      const file = JSON.parse(readFileSync(out, 'utf8'));
      file.shards[0].proof[0] = file.shards[0].proof[0].replace(/^./, (c: string) => (c === 'f' ? '0' : 'f'));
      writeFileSync(join(work, 'tampered.json'), JSON.stringify(file));
      const bad = await cli('consistency', '--proof', join(work, 'tampered.json'), '--public-key', pem);
      expect(bad.code).toBe(1);
      expect(bad.stdout).toMatch(/FAIL {2}shard api +(OLD_ROOT|NEW_ROOT): /);
      expect(bad.stdout).toContain('INCONSISTENT: 1 problem(s)');
    });

    it('proves from the tiles in the bucket alone, in a few reads', async () => {
      const r = await cli('consistency', firstPath, newestPath, '--bucket', archive.bucket, ...moto$(), '--public-key', pem, '--json');
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const out = JSON.parse(r.stdout);
      expect(out.ok).toBe(true);
      // Two shards of fewer than 256 records: one level-0 tile each, nothing else.
      expect(out.reads.byOperation).toEqual({ 'S3.GetObject': 2 });
    });

    it('fails when the checkpoints are given in the wrong order, or one is a fork', async () => {
      const swapped = await cli('consistency', newestPath, firstPath, '--dir', pristine, '--public-key', pem);
      expect(swapped.code).toBe(1);
      expect(swapped.stdout).toMatch(/FAIL {2}shard api +SHRUNK: shard api shrinks from 16 to 6 records/);

      // A split view: an old checkpoint of another history, signed with the key.
      const shards = first.checkpoint.shards.map((s) => (s.shard === 'ec2' ? { ...s, root: '11'.repeat(32) } : s));
      const fork = await signCheckpoint(archive.signer, makeCheckpoint(first.checkpoint.origin, shards, null, new Date(first.checkpoint.time)));
      writeFileSync(join(work, 'fork.note'), fork.note);
      const forked = await cli('consistency', join(work, 'fork.note'), newestPath, '--dir', pristine, '--public-key', pem);
      expect(forked.code).toBe(1);
      expect(forked.stdout).toMatch(/ok {4}shard api/);
      expect(forked.stdout).toMatch(/FAIL {2}shard ec2 +OLD_ROOT: /);
    });

    it('names a shard that vanished', async () => {
      const dropped = await signCheckpoint(
        archive.signer,
        makeCheckpoint(
          newest.checkpoint.origin,
          newest.checkpoint.shards.filter((s) => s.shard !== 'ec2'),
          null,
          new Date(newest.checkpoint.time),
        ),
      );
      writeFileSync(join(work, 'dropped.note'), dropped.note);
      const r = await cli('consistency', firstPath, join(work, 'dropped.note'), '--dir', pristine, '--public-key', pem);
      expect(r.code).toBe(1);
      expect(r.stdout).toContain('vanished: shard(s) ec2 of the old checkpoint are not in the new one');
    });

    it('is bad usage (exit 2, one line) for a missing file, an unreadable PEM or no checkpoint', async () => {
      for (const args of [
        [firstPath, join(work, 'nope.note'), '--dir', pristine, '--public-key', pem],
        [firstPath, newestPath, '--dir', pristine, '--public-key', join(work, 'nope.pem')],
        [firstPath, newestPath, '--dir', pristine, '--public-key', firstPath],
        [pem, newestPath, '--dir', pristine, '--public-key', pem],
        [firstPath, '--dir', pristine, '--public-key', pem],
        ['--proof', join(work, 'nope.json'), '--public-key', pem],
        ['--proof', firstPath, '--public-key', pem],
      ]) {
        const r = await cli('consistency', ...args);
        expect(r.code, args.join(' ')).toBe(2);
        expect(r.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
      }
    });
  });

  describe('verify --trusted-checkpoint with only the records after the trusted size', () => {
    const keys = () => [trustedKeyFromPem(archive.origin, archive.signer.publicKeyPem())];

    it('proves the extension by consistency proofs from the tiles in the copy, without the old records', async () => {
      const dir = copyWithoutOldRecords();
      const r = await verifyArchive(new DirSource(dir), {
        keys: keys(),
        trusted: first.note,
        shard: 'api',
        range: { fromSeq: trustedSize('api') },
        consistencySource: tileTreeSource(new DirSource(dir)),
      });
      expect(r.problems).toEqual([]);
      expect(r.records).toBe(16 - trustedSize('api'));
      expect(r.extension).toEqual({ method: 'consistency', shards: [{ shard: 'api', trustedSize: 6, latestSize: 16, ok: true }] });
    });

    it('is a ROLLBACK when the trusted checkpoint is of another history, even though no record before it is read', async () => {
      const shards = first.checkpoint.shards.map((s) => (s.shard === 'api' ? { ...s, root: '22'.repeat(32) } : s));
      const fork = await signCheckpoint(archive.signer, makeCheckpoint(first.checkpoint.origin, shards, null, new Date(first.checkpoint.time)));
      const r = await verifyArchive(new DirSource(copyWithoutOldRecords()), {
        keys: keys(),
        trusted: fork.note,
        range: { fromSeq: trustedSize('api') },
        consistencySource: tileTreeSource(archive.source),
      });
      expect(r.problems.map((p) => [p.code, p.shard])).toEqual([['ROLLBACK', 'api']]);
      expect(r.problems[0]!.message).toContain('OLD_ROOT');
    });

    it('without an index, rebuilds the proof from the batch objects, and says when the copy lacks them', async () => {
      const full = await verifyArchive(new DirSource(pristine), { keys: keys(), trusted: first.note, range: { fromSeq: 7 } });
      expect(full.problems).toEqual([]);
      expect(full.extension?.method).toBe('consistency');
      const lacking = await verifyArchive(new DirSource(copyWithoutOldRecords()), { keys: keys(), trusted: first.note, range: { fromSeq: 7 } });
      expect(new Set(lacking.problems.map((p) => p.code))).toEqual(new Set(['ROLLBACK']));
      expect(lacking.problems[0]!.message).toMatch(/NO_PROOF: no proof: shard \w+: the checkpoint holds \d+ records/);
    });

    it('keeps recomputing every root when every record is read', async () => {
      const r = await verifyArchive(new DirSource(pristine), { keys: keys(), trusted: first.note });
      expect(r.problems).toEqual([]);
      expect(r.extension?.method).toBe('records');
      expect(r.extension?.shards.every((s) => s.ok)).toBe(true);
    });

    it('the CLI proves the extension from the tiles in the bucket (exit 0), and --from works the same way', async () => {
      for (const range of [
        ['--from-seq', String(trustedSize('api'))],
        ['--from', new Date().toISOString().slice(0, 10)],
      ]) {
        const r = await cli(
          'verify',
          '--bucket',
          archive.bucket,
          '--table',
          archive.table,
          ...moto$(),
          '--public-key',
          pem,
          '--trusted-checkpoint',
          firstPath,
          '--shard',
          'api',
          ...range,
          '--json',
          '--no-progress',
        );
        expect(r.stderr, range.join(' ')).toBe('');
        expect(r.code, range.join(' ')).toBe(0);
        expect(JSON.parse(r.stdout).extension).toEqual({ method: 'consistency', shards: [{ shard: 'api', trustedSize: 6, latestSize: 16, ok: true }] });
      }
    });
  });
});
