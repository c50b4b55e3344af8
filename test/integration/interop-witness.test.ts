/**
 * The Python verifier (interop/python) checks witness cosignatures as the
 * TypeScript one does: same options, same finding codes, on an archive written
 * by the real ingest, seal and tile steps and cosigned by the real witness
 * runtime on moto (the setup of witness-attack.test.ts, smaller).
 */
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
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
import { createTestArchive, exportArchive, type TestArchive } from '../support/archive-env';
import { apiCallEnvelope, sqsEvent, sqsMessage } from '../support/events';
import { useMoto } from '../support/moto';
import { witnessEnv, type WitnessEnv } from '../support/witness-env';
import { pythonVerifierAvailable } from '../support/python-verifier';

const VERIFIER = resolve(__dirname, '../../interop/python/immutrail_verify.py');
const hasPython = pythonVerifierAvailable('the Python verifier with witnesses (interop/python)', ['cryptography']);

interface PyRun {
  status: number | null;
  codes: string[];
  stderr: string;
}

function python(args: string[]): PyRun {
  const r = spawnSync('python3', [VERIFIER, '--json', ...args], { encoding: 'utf8', timeout: 60_000 });
  const problems: { code: string }[] = r.status === 0 || r.status === 1 ? JSON.parse(r.stdout).problems : [];
  return { status: r.status, codes: [...new Set(problems.map((p) => p.code))].sort(), stderr: r.stderr };
}

describe.runIf(hasPython)('the Python verifier with witnesses (interop/python)', () => {
  const moto = useMoto();
  let a: TestArchive;
  let w: WitnessEnv;
  let work: string;
  let vkey = '';
  const f = { pristine: '', rolledBack: '', fork: '', witness: '', vkey: '', pem: '' };

  async function round(x: TestArchive, tag: string, signer = x.signer, origin = x.origin): Promise<void> {
    const deliver = { alerts: { deliver: async () => {} } };
    for (const shard of ['api', 'ec2']) {
      await ingestSqsBatch(
        { ...x.commitDeps({ origin }), ...deliver },
        sqsEvent([0, 1].map((i) => sqsMessage(apiCallEnvelope({ eventId: `${tag}-${shard}-${i}` }), shard))),
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

  /** TypeScript's finding codes on the same folder, with the same witness options. */
  async function typescript(dir: string, dirs: string[]): Promise<string[]> {
    const report = await verifyArchive(new DirSource(dir), {
      keys: [trustedKeyFromPem(ANY_KEY_NAME, a.signer.publicKeyPem())],
      threads: 0,
      witness: { witnesses: [trustedWitness(vkey)], required: 1, dirs },
    });
    return [...new Set(report.problems.map((p) => p.code))].sort();
  }

  const withWitness = (dir: string, ...extra: string[]) => python(['--dir', dir, '--public-key', f.pem, '--witness-key', f.vkey, ...extra]);

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'immutrail-interop-witness-'));
    for (const k of ['pristine', 'rolledBack', 'fork', 'witness'] as const) f[k] = join(work, k);
    a = await createTestArchive(moto.target);
    w = await witnessEnv(moto.target, {
      archiveOrigin: a.origin,
      logPublicKeyPem: a.signer.publicKeyPem(),
      suffix: 'pyinterop',
      keyName: 'witness.example/w1',
      auditBucket: a.bucket,
    });
    const deps = witnessRuntime(w.env, 'w'.repeat(64), moto.target);
    await round(a, 'r1');
    await runWitness(deps);
    await exportArchive(a, f.rolledBack);
    await round(a, 'r2');
    await runWitness(deps);
    await exportArchive(a, f.pristine);
    await exportBucket(w.witnessBucket, f.witness);
    vkey = readFileSync(join(f.witness, 'witness', 'witness.example', 'w1.vkey'), 'utf8');
    f.vkey = join(work, 'w1.vkey');
    writeFileSync(f.vkey, vkey);
    f.pem = join(work, 'archive.pem');
    writeFileSync(f.pem, a.signer.publicKeyPem());
    // Another history of the same sizes, signed with the archive's key under its origin.
    const fork = await createTestArchive(moto.target);
    for (const tag of ['f1', 'f2']) await round(fork, tag, a.signer, a.origin);
    await exportArchive(fork, f.fork);
  }, 60_000);

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('the honest archive: exit 0 with the witness key, from the archive cosignatures/ alone and with the witness bucket', async () => {
    for (const extra of [[], ['--witness-dir', f.witness]]) {
      const run = withWitness(f.pristine, ...extra);
      expect(run.status, run.stderr + run.codes.join()).toBe(0);
      expect(await typescript(f.pristine, extra.slice(1))).toEqual([]);
    }
    // Two witnesses required, one key given: a usage error, as TypeScript's.
    expect(withWitness(f.pristine, '--witnesses', '2').status).toBe(2);
  });

  it('a re-signed history: WITNESS_MISSING, and WITNESS_FORK with the witness bucket, as TypeScript', async () => {
    expect(python(['--dir', f.fork, '--public-key', f.pem]).status).toBe(0);
    const alone = withWitness(f.fork);
    expect(alone.status).toBe(1);
    expect(alone.codes).toEqual(['WITNESS_MISSING']);
    expect(alone.codes).toEqual(await typescript(f.fork, []));
    const bucket = withWitness(f.fork, '--witness-dir', f.witness);
    expect(bucket.codes).toEqual(['WITNESS_FORK', 'WITNESS_MISSING']);
    expect(bucket.codes).toEqual(await typescript(f.fork, [f.witness]));
  });

  it('a rolled-back archive: ROLLBACK against the witness bucket, as TypeScript', async () => {
    const run = withWitness(f.rolledBack, '--witness-dir', f.witness);
    expect(run.status).toBe(1);
    expect(run.codes).toEqual(await typescript(f.rolledBack, [f.witness]));
    expect(run.codes).toContain('ROLLBACK');
  });

  it('a cosignature with one byte changed: WITNESS_SIGNATURE, as TypeScript', async () => {
    const bad = join(work, 'bad-witness');
    const listed = spawnSync('find', [join(f.witness, 'cosigned'), '-name', '*.note'], { encoding: 'utf8' })
      .stdout.trim()
      .split('\n')
      .sort();
    const target = listed.at(-1)!;
    const rel = target.slice(f.witness.length + 1);
    const lines = readFileSync(target, 'utf8').split('\n');
    const i = lines.findIndex((l) => l.startsWith('\u2014 witness.example/w1 '));
    const blob = Buffer.from(lines[i]!.split(' ')[2]!, 'base64');
    blob[blob.length - 1]! ^= 1;
    lines[i] = `\u2014 witness.example/w1 ${blob.toString('base64')}`;
    mkdirSync(dirname(join(bad, rel)), { recursive: true });
    writeFileSync(join(bad, rel), lines.join('\n'));
    const run = withWitness(f.pristine, '--witness-dir', bad);
    expect(run.status).toBe(1);
    expect(run.codes).toEqual(['WITNESS_SIGNATURE']);
    expect(run.codes).toEqual(await typescript(f.pristine, [bad]));
  });
});
