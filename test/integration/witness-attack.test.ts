/**
 * The attack a witness stops (issue 15): an account administrator who can
 * sign with the archive's key presents (a) the archive rolled back to an
 * earlier state, or (b) a different history re-signed with the same key.
 * Both verify without a witness; both fail with the witness's key. And the
 * witness itself refuses to cosign the forged history (alert, nothing
 * cosigned). The archive is written by the real ingest, seal and tile steps
 * on moto; the witness is the real runtime.
 */
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ANY_KEY_NAME, trustedKeyFromPem } from '../../lib/core/checkpoint';
import { ingestSqsBatch } from '../../lib/ingest/sqs-batch';
import { seal } from '../../lib/seal/seal';
import { archiveTileStep } from '../../lib/seal/tile-step';
import { DirSource } from '../../lib/verify/dir-source';
import { verifyArchive } from '../../lib/verify/verify-archive';
import { trustedWitness } from '../../lib/verify/witness-check';
import { runWitness } from '../../lib/witness/run-witness';
import { witnessRuntime } from '../../lib/witness/runtime';
import type { WitnessDeps } from '../../lib/witness/witness-deps';
import { createTestArchive, exportArchive, type TestArchive } from '../support/archive-env';
import { cli } from '../support/cli';
import { apiCallEnvelope, sqsEvent, sqsMessage } from '../support/events';
import { useMoto } from '../support/moto';
import { witnessEnv, type WitnessEnv } from '../support/witness-env';

const KEY_NAME = 'witness.example/w1';

describe('a witness against rollback and fork', () => {
  const moto = useMoto();
  let a: TestArchive;
  let fork: TestArchive;
  let w: WitnessEnv;
  let deps: WitnessDeps;
  let work: string;
  const dirs = { pristine: '', rolledBack: '', fork: '', witness: '' };
  let vkeyFile: string;
  let pemFile: string;

  /** One round as production runs it: ingest into two shards, seal, extend tiles and write the witness requests. */
  async function round(x: TestArchive, tag: string, signer = x.signer, origin = x.origin): Promise<void> {
    const deliver = { alerts: { deliver: async () => {} } };
    for (const [shard, n] of [
      ['api', 3],
      ['ec2', 2],
    ] as const) {
      await ingestSqsBatch(
        { ...x.commitDeps({ origin }), ...deliver },
        sqsEvent(Array.from({ length: n }, (_, i) => sqsMessage(apiCallEnvelope({ eventId: `${tag}-${shard}-${i}` }), shard))),
      );
    }
    const { shardNotes } = await seal({ store: x.store, checkpoints: x.checkpoints, signer, origin });
    await archiveTileStep({ ddb: x.ddb, s3: x.s3 }, { table: x.table, bucket: x.bucket, retentionDays: 0 })(shardNotes);
  }

  async function exportBucket(bucket: string, dir: string): Promise<void> {
    const listed = await w.s3.send(new ListObjectsV2Command({ Bucket: bucket }));
    for (const o of listed.Contents ?? []) {
      const path = join(dir, ...o.Key!.split('/'));
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, Buffer.from(await (await w.s3.send(new GetObjectCommand({ Bucket: bucket, Key: o.Key! }))).Body!.transformToByteArray()));
    }
  }

  const verify = (dir: string, witness?: { dirs?: string[] }) =>
    verifyArchive(new DirSource(dir), {
      keys: [trustedKeyFromPem(ANY_KEY_NAME, a.signer.publicKeyPem())],
      threads: 0,
      ...(witness ? { witness: { witnesses: [trustedWitness(vkey)], required: 1, dirs: witness.dirs ?? [] } } : {}),
    });
  let vkey = '';

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'immutrail-witness-attack-'));
    Object.assign(dirs, { pristine: join(work, 'pristine'), rolledBack: join(work, 'rolled-back'), fork: join(work, 'fork'), witness: join(work, 'witness') });
    a = await createTestArchive(moto.target);
    w = await witnessEnv(moto.target, {
      archiveOrigin: a.origin,
      logPublicKeyPem: a.signer.publicKeyPem(),
      suffix: 'attack',
      keyName: KEY_NAME,
      auditBucket: a.bucket,
    });
    deps = witnessRuntime(w.env, 'w'.repeat(64), moto.target);
    for (const tag of ['r1', 'r2']) {
      await round(a, tag);
      await runWitness(deps);
    }
    // The state an administrator will roll the archive back to.
    await exportArchive(a, dirs.rolledBack);
    await round(a, 'r3');
    await runWitness(deps);
    await exportArchive(a, dirs.pristine);
    await exportBucket(w.witnessBucket, dirs.witness);
    vkey = readFileSync(join(dirs.witness, 'witness', 'witness.example', 'w1.vkey'), 'utf8');
    vkeyFile = join(work, 'w1.vkey');
    writeFileSync(vkeyFile, vkey);
    pemFile = join(work, 'archive.pem');
    writeFileSync(pemFile, a.signer.publicKeyPem());

    // Another history, same sizes, signed with the archive's key under its origin.
    fork = await createTestArchive(moto.target);
    for (const tag of ['f1', 'f2', 'f3']) await round(fork, tag, a.signer, a.origin);
    await exportArchive(fork, dirs.fork);
  }, 120_000);

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('the honest archive verifies with the witness: every newest shard checkpoint is cosigned', async () => {
    const report = await verify(dirs.pristine, { dirs: [dirs.witness] });
    expect(report.problems).toEqual([]);
    const run = await cli('verify', '--dir', dirs.pristine, '--public-key', pemFile, '--witness-key', vkeyFile, '--witness-dir', dirs.witness, '--no-progress');
    expect(run.code, run.stdout + run.stderr).toBe(0);
  });

  it('(a) a rolled-back archive verifies without a witness and fails with one: ROLLBACK', async () => {
    expect((await verify(dirs.rolledBack)).problems).toEqual([]);
    const report = await verify(dirs.rolledBack, { dirs: [dirs.witness] });
    expect(new Set(report.problems.map((p) => p.code))).toEqual(new Set(['ROLLBACK']));
    expect(report.problems.map((p) => p.shard).sort()).toEqual(['api', 'ec2']);
    const run = await cli(
      'verify',
      '--dir',
      dirs.rolledBack,
      '--public-key',
      pemFile,
      '--witness-key',
      vkeyFile,
      '--witness-dir',
      dirs.witness,
      '--no-progress',
    );
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('ROLLBACK');
  });

  it('(b) a history re-signed with the archive key verifies without a witness and fails with one: WITNESS_MISSING, and WITNESS_FORK with its bucket', async () => {
    expect((await verify(dirs.fork)).problems).toEqual([]);
    expect(new Set((await verify(dirs.fork, {})).problems.map((p) => p.code))).toEqual(new Set(['WITNESS_MISSING']));
    expect(new Set((await verify(dirs.fork, { dirs: [dirs.witness] })).problems.map((p) => p.code))).toEqual(new Set(['WITNESS_MISSING', 'WITNESS_FORK']));
  });

  it('the witness refuses the forged history when it is slipped into the archive: alert, nothing cosigned', async () => {
    // The fork's next request extends its own size 3 history: same old size as the witness's state, another tree.
    await round(fork, 'f4', a.signer, a.origin);
    const forged = ((await fork.s3.send(new ListObjectsV2Command({ Bucket: fork.bucket, Prefix: 'checkpoints/shards/api/' }))).Contents ?? [])
      .map((o) => o.Key!)
      .sort();
    const request = forged.filter((k) => k.endsWith('.add-checkpoint')).at(-1)!;
    await w.put(request, await fork.source.get(request));
    const outcomes = await runWitness(deps);
    expect(outcomes).toContainEqual({ shard: 'api', cosigned: 0, refused: 'WITNESS_INCONSISTENT' });
    const stem = request.split('/').pop()!.replace('.add-checkpoint', '');
    const cosigned = await w.s3.send(new ListObjectsV2Command({ Bucket: w.witnessBucket, Prefix: `cosigned/api/${stem}` }));
    expect(cosigned.Contents ?? []).toEqual([]);
    const alerts = await w.alerts();
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toContain(`${a.origin}/api`);
  });
});
