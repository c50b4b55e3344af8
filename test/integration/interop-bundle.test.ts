import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { create, extract } from 'tar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trustedKeyFromPem, type TrustedKey } from '../../lib/core/checkpoint';
import type { Manifest } from '../../lib/evidence/layout';
import { filesUnder } from '../../lib/evidence/manifest';
import { verifyBundle } from '../../lib/evidence/verify-bundle';
import { writeBundle } from '../../lib/evidence/write-bundle';
import { ingestSqsBatch } from '../../lib/ingest/sqs-batch';
import { seal } from '../../lib/seal/seal';
import { createTestArchive, type TestArchive } from '../support/archive-env';
import { apiCallEnvelope, sqsEvent, sqsMessage } from '../support/events';
import { useMoto } from '../support/moto';
import { pythonVerifierAvailable } from '../support/python-verifier';

/**
 * Issue 18: the independent Python verifier (interop/python) checks an evidence
 * bundle offline, from docs/FORMAT.md section 9: the manifest first, then the
 * records and checkpoints of the period. Bundles are written by the code
 * `immutrail evidence` runs (writeBundle) over an archive written on moto.
 */

const VERIFIER = resolve(__dirname, '../../interop/python/immutrail_verify.py');
const hasPython = pythonVerifierAvailable('the Python verifier on evidence bundles');

interface PyFinding {
  code: string;
  check: string;
  message: string;
  key?: string;
}
interface PyBundleResult {
  valid: boolean;
  records: number;
  checkpoints: { valid: number; anchor: { key: string } | null };
  bundle: { period: { from: string; to: string }; manifestOk: boolean };
  problems: PyFinding[];
}

describe.skipIf(!hasPython)('the Python verifier on evidence bundles (FORMAT.md 9)', () => {
  const moto = useMoto();
  let archive: TestArchive;
  let keys: TrustedKey[];
  let work: string;
  let pem: string;
  let bundle: string;
  const today = new Date().toISOString().slice(0, 10);
  const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);

  const run = (file: string) => {
    const r = spawnSync('python3', [VERIFIER, '--bundle', file, '--public-key', pem, '--json'], { encoding: 'utf8', timeout: 60_000 });
    return { status: r.status, stderr: r.stderr, result: r.stdout ? (JSON.parse(r.stdout) as PyBundleResult) : null };
  };
  const write = (period: { from: string; to: string }, name: string) =>
    writeBundle({ source: archive.source, keys, period, reportHtml: '<html><body>report</body></html>' }, join(work, name));

  /** A copy of the bundle with `change` applied to its extracted files, packed again. */
  async function tampered(name: string, change: (dir: string, manifest: Manifest) => void): Promise<string> {
    const dir = mkdtempSync(join(work, 'unpacked-'));
    await extract({ file: bundle, cwd: dir });
    change(dir, JSON.parse(readFileSync(join(dir, 'MANIFEST.json'), 'utf8')) as Manifest);
    const out = join(work, `${name}.tar.gz`);
    await create({ gzip: true, file: out, cwd: dir, portable: true }, filesUnder(dir));
    return out;
  }
  const IP = '203.0.113.10';
  /** The first batch object of the bundle that holds an event (genesis records have no address). */
  const eventFile = (dir: string, m: Manifest) =>
    m.files.map((f) => f.path).find((p) => p.startsWith('records/') && readFileSync(join(dir, p), 'utf8').includes(IP))!;
  /** Changes one byte of its first event (same length, still JSON): only digests and the hash chain can tell. */
  const flipInRecord = (dir: string, m: Manifest): string => {
    const path = eventFile(dir, m);
    writeFileSync(join(dir, path), readFileSync(join(dir, path), 'utf8').replace(IP, '203.0.113.11'));
    return path;
  };

  beforeAll(async () => {
    archive = await createTestArchive(moto.target);
    const deps = { ...archive.commitDeps(), alerts: { deliver: async () => {} } };
    const sealArchive = () => seal({ store: archive.store, checkpoints: archive.checkpoints, signer: archive.signer, origin: archive.origin });
    for (let round = 0; round < 2; round++) {
      const events = ['api', 'ec2'].flatMap((lane) =>
        Array.from({ length: 3 }, (_, i) => sqsMessage(apiCallEnvelope({ eventId: `${lane}-${round}-${i}` }), lane)),
      );
      await ingestSqsBatch(deps, sqsEvent(events));
      await sealArchive();
    }
    work = mkdtempSync(join(tmpdir(), 'immutrail-interop-bundle-'));
    pem = join(work, 'public.pem');
    writeFileSync(pem, archive.signer.publicKeyPem());
    keys = [trustedKeyFromPem(archive.origin, archive.signer.publicKeyPem())];
    bundle = (await write({ from: today, to: today }, 'bundle.tar.gz')).out;
  });

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('passes an honest bundle, with the record count the TypeScript verify --bundle gives', async () => {
    const { status, stderr, result } = run(bundle);
    expect(stderr).toBe('');
    expect(result!.problems).toEqual([]);
    expect(status).toBe(0);
    expect(result!.bundle).toMatchObject({ period: { from: today, to: today }, manifestOk: true });
    const ts = await verifyBundle(bundle, keys);
    expect(ts.ok).toBe(true);
    expect(result!.records).toBe(ts.archive!.records);
    expect(result!.checkpoints.valid).toBe(2);
  });

  it('fails a bundle with one byte changed in a record file, naming the file and the digest check, as TypeScript does', async () => {
    let path = '';
    const file = await tampered('flipped', (dir, m) => (path = flipInRecord(dir, m)));
    const { status, result } = run(file);
    expect(status).toBe(1);
    expect(result!.problems[0]).toMatchObject({ code: 'FILE_DIGEST', key: path });
    expect(result!.bundle.manifestOk).toBe(false);
    expect((await verifyBundle(file, keys)).files).toEqual([expect.objectContaining({ code: 'FILE_DIGEST', file: path })]);
  });

  it('fails a record changed together with its manifest entry through the hash chain, naming the object', async () => {
    let path = '';
    const file = await tampered('flipped-listed', (dir, m) => {
      path = flipInRecord(dir, m);
      const body = readFileSync(join(dir, path));
      const entry = m.files.find((f) => f.path === path)!;
      entry.sha256 = createHash('sha256').update(body).digest('hex');
      writeFileSync(join(dir, 'MANIFEST.json'), JSON.stringify(m, null, 2) + '\n');
    });
    const { status, result } = run(file);
    expect(status).toBe(1);
    expect(result!.bundle.manifestOk).toBe(true);
    // The next record's prev (LINK) or, for the last record of the object, its batchId (KEY_MISMATCH).
    expect(result!.problems.filter((p) => p.key === path).map((p) => p.code)).toEqual(expect.arrayContaining([expect.stringMatching(/^(LINK|KEY_MISMATCH)$/)]));
  });

  it('accepts the break in the checkpoint chain only at a bundle checkpoint dated before the period', async () => {
    // A period after every record: the bundle holds the newest checkpoint only, signed today.
    const later = (await write({ from: tomorrow, to: tomorrow }, 'later.tar.gz')).out;
    const { status, result } = run(later);
    expect(result!.problems).toEqual([]);
    expect(status).toBe(0);
    expect(result!.checkpoints.anchor).not.toBeNull();
    expect((await verifyBundle(later, keys)).ok).toBe(true);
    // Today's bundle, its first checkpoint struck from files and manifest: the next one's prev is absent inside the period.
    const file = await tampered('no-first-checkpoint', (dir, m) => {
      const first = m.files.find((f) => f.path.startsWith('checkpoints/'))!.path;
      rmSync(join(dir, first));
      m.files = m.files.filter((f) => f.path !== first);
      writeFileSync(join(dir, 'MANIFEST.json'), JSON.stringify(m, null, 2) + '\n');
    });
    const broken = run(file);
    expect(broken.status).toBe(1);
    expect(broken.result!.problems.map((p) => p.code)).toContain('CHECKPOINT_CHAIN');
  });

  it('refuses a file that is not a bundle with exit 2, as bad input rather than tampering', () => {
    const notTar = join(work, 'not-a-bundle.tar.gz');
    writeFileSync(notTar, 'hello');
    const r = run(notTar);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/not a gzipped tar/);
  });
});
