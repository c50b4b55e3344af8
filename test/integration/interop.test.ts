import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalize } from '../../lib/core/canonical';
import { trustedKeyFromPem } from '../../lib/core/checkpoint';
import type { JsonValue } from '../../lib/core/json';
import { ingestSqsBatch } from '../../lib/ingest/sqs-batch';
import { LocalSigner } from '../../lib/core/local-signer';
import { seal } from '../../lib/seal/seal';
import { signShardNote } from '../../lib/seal/shard-notes';
import { DirSource } from '../../lib/verify/dir-source';
import { verifyArchive } from '../../lib/verify/verify-archive';
import { createTestArchive, exportArchive, recordLines, shardBatchFiles, type TestArchive } from '../support/archive-env';
import { apiCallEnvelope, sqsEvent, sqsMessage } from '../support/events';
import { pythonVerifierAvailable } from '../support/python-verifier';
import { useMoto } from '../support/moto';

/**
 * Invariant 6: the archive format is a specification. interop/python/immutrail_verify.py
 * was written from docs/FORMAT.md alone, in another language; here it verifies an
 * archive written by the real ingest and seal paths, and names the tampering done
 * to copies of it.
 */

const VERIFIER = resolve(__dirname, '../../interop/python/immutrail_verify.py');
const hasPython = pythonVerifierAvailable('the independent Python verifier (interop/python)');

// The other visible skip of the suite: test/browser/report.test.ts without Chromium, with its reason printed.

interface PyFinding {
  /** FORMAT.md section 5's finding code. */
  code: string;
  /** The Python verifier's own name for the check that failed. */
  check: string;
  message: string;
  key?: string;
  shard?: string;
}
interface PyResult {
  valid: boolean;
  origin: string | null;
  ecdsaBackend: string;
  records: number;
  checkpoints: { found: number; valid: number; chain: number; newest: { key: string; size: number } | null; shardNotes: { found: number; valid: number } };
  shards: Record<string, { records: number; checkpointed: number; uncheckpointed: number; orphans: string[] }>;
  problems: PyFinding[];
  notes: PyFinding[];
}
interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

function runVerifier(args: string[]): Run {
  const r = spawnSync('python3', [VERIFIER, ...args], { encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The project's own verifier on the same folder: its finding codes, to compare with the Python verifier's. */
async function typescriptCodes(archive: TestArchive, dir: string): Promise<{ problems: string[]; notices: string[] }> {
  const report = await verifyArchive(new DirSource(dir), { keys: [trustedKeyFromPem(archive.origin, archive.signer.publicKeyPem())] });
  const set = (xs: { code: string }[]) => [...new Set(xs.map((x) => x.code))].sort();
  return { problems: set(report.problems), notices: set(report.notices) };
}

/** The project's own verifier on the same folder, to compare counts with. */
async function typescriptRecordCount(archive: TestArchive, dir: string): Promise<number> {
  const report = await verifyArchive(new DirSource(dir), { keys: [trustedKeyFromPem(archive.origin, archive.signer.publicKeyPem())] });
  expect(report.problems).toEqual([]);
  return report.records;
}

/** The shard checkpoints of one shard in an exported archive (FORMAT.md 4.1), in size order. */
function shardNotes(dir: string, shard: string): { path: string; shard: string; size: number; root: string }[] {
  const folder = join(dir, 'checkpoints', 'shards', shard);
  return readdirSync(folder)
    .filter((n) => n.endsWith('.note'))
    .sort()
    .map((n) => {
      const text = readFileSync(join(folder, n), 'utf8').split('\n');
      return { path: join(folder, n), shard, size: Number(text[1]), root: Buffer.from(text[2], 'base64').toString('hex') };
    });
}

function ingestDeps(archive: TestArchive) {
  return { ...archive.commitDeps(), alerts: { deliver: async () => {} } };
}

async function ingest(archive: TestArchive, messages: Parameters<typeof sqsEvent>[0], extra = {}): Promise<number> {
  const { response } = await ingestSqsBatch({ ...ingestDeps(archive), ...extra }, sqsEvent(messages));
  return response.batchItemFailures.length;
}

const sealArchive = (archive: TestArchive) => seal({ store: archive.store, checkpoints: archive.checkpoints, signer: archive.signer, origin: archive.origin });

/** The unsafe integers travel in the message body as JSON number literals, which no JS value can hold. */
const BIG = '12345678901234567890';
const NEG_BIG = '-98765432109876543210';

function unicodeEnvelope(eventId: string): string {
  const env = apiCallEnvelope({
    eventId,
    eventName: 'CreateTags',
    requestParameters: {
      名前: 'テスト値',
      note: 'emoji 😀, line separator \u2028, tab\t, control \u0001, quote " and backslash \\',
      // Keys whose UTF-16 order differs from their code point order (U+FF61 vs U+1F600).
      '\uff61': 'halfwidth',
      '😀': 'astral key',
      bigId: '__BIG__',
      negative: '__NEG_BIG__',
      maxSafe: 9007199254740991,
      pow53: '__POW53__',
      pow53plus1: '__POW53_PLUS_1__',
      ratio: 1.5e-7,
      huge: 1e21,
      tenth: 0.1,
    },
  });
  return JSON.stringify(env)
    .replace('"__BIG__"', BIG)
    .replace('"__NEG_BIG__"', NEG_BIG)
    .replace('"__POW53__"', '9007199254740992')
    .replace('"__POW53_PLUS_1__"', '9007199254740993');
}

describe.skipIf(!hasPython)('an independent Python verifier written from docs/FORMAT.md', () => {
  const moto = useMoto();
  let archive: TestArchive;
  let pristine: string;
  let work: string;
  let pem: string;
  const ec2Batches = 3;

  beforeAll(async () => {
    archive = await createTestArchive(moto.target);
    const put = (messages: Parameters<typeof sqsEvent>[0], extra = {}) => ingest(archive, messages, extra);
    for (let round = 0; round < ec2Batches; round++) {
      if (round === 1) {
        // A writer that dies after its put leaves an orphan: benign, never counted.
        await put([sqsMessage(apiCallEnvelope({ eventId: 'lost' }), 'api')], {
          afterPut: async () => {
            throw new Error('crash');
          },
        });
        expect(await put([sqsMessage(unicodeEnvelope('unicode-1'), 'api'), sqsMessage('{"not json', 'api')])).toBe(0);
        // A lone surrogate cannot be hashed canonically: the event is quarantined, raw.
        expect(await put([sqsMessage('{"detail-type":"x","id":"\\ud800","detail":{}}', 'api')])).toBe(0);
      }
      expect(await put(Array.from({ length: 5 }, (_, i) => sqsMessage(apiCallEnvelope({ eventId: `api-${round}-${i}` }), 'api')))).toBe(0);
      expect(await put(Array.from({ length: 3 }, (_, i) => sqsMessage(apiCallEnvelope({ eventId: `ec2-${round}-${i}` }), 'ec2')))).toBe(0);
      await sealArchive(archive);
    }
    // Committed after the last checkpoint: valid, but not yet covered by a signature.
    expect(await put([sqsMessage(apiCallEnvelope({ eventId: 'api-late' }), 'api')])).toBe(0);

    work = mkdtempSync(join(tmpdir(), 'immutrail-interop-'));
    pristine = join(work, 'pristine');
    await exportArchive(archive, pristine);
    pem = join(work, 'public.pem');
    writeFileSync(pem, archive.signer.publicKeyPem());
  });

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  let copies = 0;
  function copy(): string {
    const dir = join(work, `copy-${++copies}`);
    cpSync(pristine, dir, { recursive: true });
    return dir;
  }

  function verify(dir: string, ...extra: string[]): { run: Run; result: PyResult } {
    const run = runVerifier(['--dir', dir, '--public-key', pem, '--json', ...extra]);
    expect(run.stderr).toBe('');
    return { run, result: JSON.parse(run.stdout) as PyResult };
  }

  const codes = (r: PyResult) => [...new Set(r.problems.map((p) => p.code))].sort();

  const batchFiles = (dir: string, shard: string): string[] => shardBatchFiles(dir, shard, ['lost']);
  const lines = recordLines;
  const allLines = (dir: string) => ['api', 'ec2'].flatMap((s) => batchFiles(dir, s).flatMap(lines));

  it('verifies the archive written by the TypeScript ingest and seal', async () => {
    const { run, result } = verify(pristine);
    expect(result.problems).toEqual([]);
    expect(run.status).toBe(0);
    expect(result.valid).toBe(true);
    expect(result.origin).toBe(archive.origin);
    expect(result.checkpoints).toMatchObject({ found: ec2Batches, valid: ec2Batches, chain: ec2Batches });
    // ec2: genesis + 3 events per round. api: genesis, 5 per round, the unicode event,
    // the invalid JSON and the lone surrogate (both quarantined), one late event.
    expect(result.shards.ec2).toMatchObject({ records: 1 + 3 * ec2Batches, checkpointed: 1 + 3 * ec2Batches, uncheckpointed: 0 });
    expect(result.shards.api).toMatchObject({ records: 1 + 5 * ec2Batches + 3 + 1, uncheckpointed: 1 });
    expect(result.shards.api.orphans).toHaveLength(1);
    expect(result.notes.map((n) => n.code)).toContain('ORPHAN');
    expect(result.records).toBe(await typescriptRecordCount(archive, pristine));
  });

  it('is given records that exercise canonical JSON: non-ASCII, unsafe integers, quarantines', () => {
    const records = allLines(pristine).map((l) => JSON.parse(l) as { chain: { id: string; kind: string }; data: Record<string, JsonValue> });
    const unicode = allLines(pristine).find((l) => l.includes('"id":"unicode-1"'))!;
    expect(unicode).toContain('"名前":"テスト値"');
    expect(unicode).toContain(`"bigId":"${BIG}"`);
    expect(unicode).toContain(`"negative":"${NEG_BIG}"`);
    // A double would have rounded it to 9007199254740992: the doc promises the digits survive.
    expect(unicode).toContain('"pow53plus1":"9007199254740993"');
    expect(unicode).toContain('"huge":1e+21');
    expect(records.filter((r) => r.chain.kind === 'quarantine')).toHaveLength(2);
  });

  it('agrees with the ECDSA verification built into the script when `cryptography` is not used', () => {
    const { run, result } = verify(pristine, '--pure-ecdsa');
    expect(result.ecdsaBackend).toBe('pure-python');
    expect(result.problems).toEqual([]);
    expect(run.status).toBe(0);
  });

  it('prints a readable summary without --json', () => {
    const run = runVerifier(['--dir', pristine, '--public-key', pem]);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain(`origin: ${archive.origin}`);
    expect(run.stdout).toMatch(/RESULT: VALID$/m);
  });

  it('names one changed byte in a record, with the code the TypeScript verifier gives', async () => {
    const dir = copy();
    const file = batchFiles(dir, 'api').filter((f) => lines(f).length >= 5)[1];
    const content = readFileSync(file, 'utf8').split('\n');
    // Same length, still canonical JSON: only the hash chain can tell.
    content[2] = content[2].replace('203.0.113.10', '203.0.113.11');
    writeFileSync(file, content.join('\n'));
    const { run, result } = verify(dir);
    expect(run.status).toBe(1);
    const link = result.problems.find((p) => p.code === 'LINK');
    expect(link).toBeDefined();
    expect(link!.message).toContain('line 4');
    expect(file.endsWith(link!.key!)).toBe(true);
    // Both name the break; what follows differs: TypeScript keeps walking through the damaged
    // object (CHECKPOINT_MISMATCH), this verifier stops before it (TRUNCATED, GAP).
    expect((await typescriptCodes(archive, dir)).problems).toContain('LINK');
  });

  it('names the newest batch of a shard removed (truncation under a checkpoint)', () => {
    const dir = copy();
    const files = batchFiles(dir, 'ec2');
    expect(files).toHaveLength(1 + (ec2Batches - 1));
    rmSync(files[files.length - 1]);
    const { run, result } = verify(dir);
    expect(run.status).toBe(1);
    expect(result.problems.find((p) => p.code === 'TRUNCATED')).toMatchObject({ shard: 'ec2', check: 'shard-truncated' });
    const text = runVerifier(['--dir', dir, '--public-key', pem]);
    expect(text.stdout).toMatch(/PROBLEM TRUNCATED \(shard-truncated\): shard ec2 has \d+ committed records/);
    expect(text.stdout).toMatch(/RESULT: INVALID/);
  });

  it('names a record that is no longer in canonical form', () => {
    const dir = copy();
    const file = batchFiles(dir, 'ec2')[0];
    const ls = lines(file);
    ls[1] = JSON.stringify(JSON.parse(ls[1]), null, 1).replace(/\n/g, '');
    writeFileSync(file, ls.map((l) => l + '\n').join(''));
    const { run, result } = verify(dir);
    expect(run.status).toBe(1);
    expect(result.problems.find((p) => p.check === 'record-not-canonical')).toMatchObject({ code: 'PARSE', message: expect.stringContaining('line 2') });
  });

  it('names an unsafe integer stored as a JSON number', () => {
    const dir = copy();
    const file = batchFiles(dir, 'api').find((f) => readFileSync(f, 'utf8').includes('"id":"unicode-1"'))!;
    writeFileSync(file, readFileSync(file, 'utf8').replace(`"bigId":"${BIG}"`, `"bigId":${BIG}`));
    const { run, result } = verify(dir);
    expect(run.status).toBe(1);
    expect(result.problems.find((p) => p.check === 'record-big-integer')).toMatchObject({ code: 'PARSE', message: expect.stringContaining(BIG) });
  });

  it('names a checkpoint whose signed text was changed', () => {
    const dir = copy();
    const cdir = join(dir, 'checkpoints');
    const newest = readdirSync(cdir)
      .filter((n) => n.endsWith('.note'))
      .sort()
      .pop()!;
    const note = readFileSync(join(cdir, newest), 'utf8');
    writeFileSync(join(cdir, newest), note.replace(/^time (\S+)$/m, 'time 2030-01-01T00:00:00.000Z'));
    for (const backend of [[], ['--pure-ecdsa']]) {
      const { run, result } = verify(dir, ...backend);
      expect(run.status).toBe(1);
      expect(result.problems.find((p) => p.check === 'checkpoint-bad-signature')).toMatchObject({ code: 'CHECKPOINT_SIGNATURE', key: `checkpoints/${newest}` });
    }
  });

  it('names a checkpoint removed from the middle of the checkpoint chain', () => {
    const dir = copy();
    const cdir = join(dir, 'checkpoints');
    const names = readdirSync(cdir)
      .filter((n) => n.endsWith('.note'))
      .sort();
    rmSync(join(cdir, names[1]));
    const { run, result } = verify(dir);
    expect(run.status).toBe(1);
    expect(codes(result)).toContain('CHECKPOINT_CHAIN');
  });

  it('names a rollback when given a checkpoint trusted earlier', () => {
    const dir = copy();
    const cdir = join(dir, 'checkpoints');
    const newest = readdirSync(cdir)
      .filter((n) => n.endsWith('.note'))
      .sort()
      .pop()!;
    const trusted = join(work, 'trusted.note');
    writeFileSync(trusted, readFileSync(join(cdir, newest)));
    rmSync(join(cdir, newest));
    const ec2 = batchFiles(dir, 'ec2');
    rmSync(ec2[ec2.length - 1]);
    // The shard checkpoint of ec2 written with the removed checkpoint would show the truncation: it goes too.
    const ec2Size = Number(/^shard ec2 (\d+) /m.exec(readFileSync(trusted, 'utf8'))![1]);
    for (const note of shardNotes(dir, 'ec2').filter((n) => n.size === ec2Size)) rmSync(note.path);
    // Alone, the shortened archive is self-consistent ...
    expect(verify(dir).run.status).toBe(0);
    // ... against the trusted checkpoint it is not.
    const { run, result } = verify(dir, '--trusted-checkpoint', trusted);
    expect(run.status).toBe(1);
    // FORMAT.md 5 step 5: against the trusted checkpoint, missing records are a ROLLBACK.
    expect(codes(result)).toEqual(['ROLLBACK']);
  });

  it('checks every shard checkpoint the seal wrote (FORMAT.md 4.1)', async () => {
    const { result } = verify(pristine);
    const written = ['api', 'ec2'].flatMap((s) => shardNotes(pristine, s));
    // Each seal wrote one per changed shard: both shards changed in every round.
    expect(written).toHaveLength(2 * ec2Batches);
    expect(result.checkpoints.shardNotes).toEqual({ found: written.length, valid: written.length });
    expect(result.notes.map((n) => n.code)).not.toContain('SHARD_NOTE_MISSING');
    expect(await typescriptCodes(archive, pristine)).toEqual({ problems: [], notices: [...new Set(result.notes.map((n) => n.code))].sort() });
  });

  it('names a shard checkpoint whose root was changed and re-signed by another key, as TypeScript does', async () => {
    const dir = copy();
    const [note] = shardNotes(dir, 'ec2').slice(-1);
    const forged = await signShardNote(new LocalSigner(archive.origin), archive.origin, { ...note, root: 'ab'.repeat(32), head: 'cd'.repeat(32) });
    rmSync(note.path);
    mkdirSync(dirname(join(dir, forged.key)), { recursive: true });
    writeFileSync(join(dir, forged.key), forged.note);
    const { run, result } = verify(dir);
    expect(run.status).toBe(1);
    expect(result.problems).toEqual([expect.objectContaining({ code: 'CHECKPOINT_SIGNATURE', key: forged.key, shard: 'ec2' })]);
    expect(codes(result)).toEqual((await typescriptCodes(archive, dir)).problems);
  });

  it('names a shard checkpoint signed by the right key over a root the records do not have, as TypeScript does', async () => {
    const dir = copy();
    const [note] = shardNotes(dir, 'ec2').slice(-1);
    const forged = await signShardNote(archive.signer, archive.origin, { ...note, root: 'ab'.repeat(32), head: 'cd'.repeat(32) });
    rmSync(note.path);
    writeFileSync(join(dir, forged.key), forged.note);
    const { run, result } = verify(dir);
    expect(run.status).toBe(1);
    expect(result.problems).toEqual([expect.objectContaining({ code: 'CHECKPOINT_MISMATCH', key: forged.key })]);
    expect(codes(result)).toEqual((await typescriptCodes(archive, dir)).problems);
    // A note whose key names another hash is malformed, whoever signed it.
    writeFileSync(join(dir, forged.key.replace(/-[0-9a-f]{16}\.note$/, '-0000000000000000.note')), forged.note);
    expect(verify(dir).result.problems.find((p) => p.code === 'CHECKPOINT_MALFORMED')?.key).toMatch(/-0000000000000000\.note$/);
  });

  it('notes a shard checkpoint that is missing, without failing', async () => {
    const dir = copy();
    rmSync(shardNotes(dir, 'api')[0].path);
    const { run, result } = verify(dir);
    expect(result.problems).toEqual([]);
    expect(run.status).toBe(0);
    expect(result.notes.find((n) => n.code === 'SHARD_NOTE_MISSING')).toMatchObject({ shard: 'api' });
    expect((await typescriptCodes(archive, dir)).notices).toContain('SHARD_NOTE_MISSING');
  });

  it('reports usage errors with exit status 2', () => {
    expect(runVerifier(['--dir', join(work, 'absent'), '--public-key', pem]).status).toBe(2);
    expect(runVerifier(['--dir', pristine]).status).toBe(2);
    const notKey = join(work, 'not-a-key.pem');
    writeFileSync(notKey, 'hello');
    expect(runVerifier(['--dir', pristine, '--public-key', notKey]).status).toBe(2);
    // FORMAT.md 5: nothing to verify, and a trusted checkpoint that does not verify, are not findings.
    const empty = join(work, 'empty');
    mkdirSync(empty, { recursive: true });
    const nothing = runVerifier(['--dir', empty, '--public-key', pem]);
    expect(nothing).toMatchObject({ status: 2, stdout: '' });
    expect(nothing.stderr).toContain('no archive objects under');
    const badTrusted = join(work, 'bad-trusted.note');
    writeFileSync(badTrusted, 'not a note\n');
    const refused = runVerifier(['--dir', pristine, '--public-key', pem, '--trusted-checkpoint', badTrusted]);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toContain('trusted checkpoint:');
  });
});

/**
 * FORMAT.md 3.1 on the real writer: an object left by a writer that died after its
 * put, then a commit at the same sequence, are told apart only by the next checkpoint.
 */
describe.skipIf(!hasPython)('orphans and forks past the newest checkpoint, read by the Python verifier', () => {
  const moto = useMoto();
  let archive: TestArchive;
  let work: string;
  let pem: string;
  let step = 0;

  beforeAll(async () => {
    archive = await createTestArchive(moto.target);
    work = mkdtempSync(join(tmpdir(), 'immutrail-interop-fork-'));
    pem = join(work, 'public.pem');
    writeFileSync(pem, archive.signer.publicKeyPem());
  });

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  async function snapshot(): Promise<{ status: number | null; result: PyResult; dir: string }> {
    const dir = join(work, `step-${++step}`);
    await exportArchive(archive, dir);
    const r = runVerifier(['--dir', dir, '--public-key', pem, '--json']);
    expect(r.stderr).toBe('');
    return { status: r.status, result: JSON.parse(r.stdout) as PyResult, dir };
  }

  it('leaves a fork unresolved until a checkpoint names the committed head, then calls the loser an orphan', async () => {
    const events = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => sqsMessage(apiCallEnvelope({ eventId: `${prefix}-${i}` }), 'ec2'));
    expect(await ingest(archive, events('first', 3))).toBe(0);
    await sealArchive(archive);
    const sealed = 1 + 3;

    // The writer dies after its put: the object exists, the head did not move.
    await ingest(archive, events('dead', 2), {
      afterPut: async () => {
        throw new Error('crash');
      },
    });
    // Alone at the tip it is indistinguishable from a commit offline (FORMAT.md 5.3 takes it):
    // never tampering, never covered by a checkpoint.
    const tip = await snapshot();
    expect(tip.result.problems).toEqual([]);
    expect(tip.status).toBe(0);
    expect(tip.result.shards.ec2.checkpointed).toBe(sealed);
    // The redelivery commits at the same sequence: two objects now compete, past the checkpoint.
    expect(await ingest(archive, events('redelivered', 1))).toBe(0);
    const forked = await snapshot();
    expect(forked.result.problems).toEqual([]);
    expect(forked.status).toBe(0);
    expect(forked.result.shards.ec2).toMatchObject({ records: sealed, checkpointed: sealed });
    expect(forked.result.notes.find((n) => n.code === 'UNRESOLVED_FORK')!.message).toContain(`seq ${sealed}`);

    await sealArchive(archive);
    const resolved = await snapshot();
    expect(resolved.result.problems).toEqual([]);
    expect(resolved.status).toBe(0);
    expect(resolved.result.shards.ec2).toMatchObject({ records: sealed + 1, checkpointed: sealed + 1 });
    expect(resolved.result.shards.ec2.orphans).toHaveLength(1);
    expect(readFileSync(join(resolved.dir, resolved.result.shards.ec2.orphans[0]), 'utf8')).toContain('"id":"dead-0"');
    expect(resolved.result.records).toBe(await typescriptRecordCount(archive, resolved.dir));
  });

  it('accepts the signed notes of seals that lost a race as orphan checkpoints, still checked against the records', async () => {
    expect(await ingest(archive, [sqsMessage(apiCallEnvelope({ eventId: 'before-race' }), 'ec2')])).toBe(0);
    // Three seals that all read the same latest checkpoint before any of them publishes.
    const racers = 3;
    let arrived = 0;
    let release!: () => void;
    const allRead = new Promise<void>((r) => (release = r));
    const checkpoints = {
      latest: async () => {
        const note = await archive.checkpoints.latest();
        if (++arrived === racers) release();
        await allRead;
        return note;
      },
      publish: archive.checkpoints.publish.bind(archive.checkpoints),
      putShardNote: archive.checkpoints.putShardNote.bind(archive.checkpoints),
    };
    const outcomes = await Promise.allSettled(
      Array.from({ length: racers }, () => seal({ store: archive.store, checkpoints, signer: archive.signer, origin: archive.origin })),
    );
    // The losers' compare-and-swap fails; each reads again and publishes on the winner, leaving its first note behind.
    expect(outcomes.filter((o) => o.status === 'rejected')).toEqual([]);
    const lost = racers - 1;
    const raced = await snapshot();
    expect(raced.result.problems).toEqual([]);
    expect(raced.status).toBe(0);
    // Every note that was written and is not followed by another is reported, not hidden.
    const orphanNotes = raced.result.notes.filter((n) => n.check === 'orphan-checkpoint');
    expect(orphanNotes.every((n) => n.code === 'ORPHAN')).toBe(true);
    // At least one note per loser; a loser that lost its retry too left one more.
    expect(orphanNotes.length).toBeGreaterThanOrEqual(lost);
    expect(raced.result.checkpoints.valid).toBe(raced.result.checkpoints.chain + orphanNotes.length);

    // An orphan note that disagrees with the records is still caught.
    const orphanKey = orphanNotes[0].key!;
    const shortened = join(work, 'raced-truncated');
    cpSync(raced.dir, shortened, { recursive: true });
    const ec2 = readdirSync(join(shortened, 'records', 'shard=ec2'), { recursive: true })
      .map(String)
      .filter((p) => p.endsWith('.ndjson'));
    const newestBatch = ec2.sort((a, b) => (a.split('/').pop()! < b.split('/').pop()! ? -1 : 1)).pop()!;
    rmSync(join(shortened, 'records', 'shard=ec2', newestBatch));
    const r = runVerifier(['--dir', shortened, '--public-key', pem, '--json']);
    expect(r.status).toBe(1);
    const truncated = (JSON.parse(r.stdout) as PyResult).problems.filter((p) => p.check === 'shard-truncated').map((p) => p.key);
    expect(truncated).toContain(orphanKey);
    expect(truncated).toContain(raced.result.checkpoints.newest!.key);
  });
});

describe.skipIf(!hasPython)('the examples of docs/FORMAT.md section 7', () => {
  it('verify under the Python verifier, and fail it once a record byte changes', () => {
    const doc = readFileSync(resolve(__dirname, '../../docs/FORMAT.md'), 'utf8');
    const example = (name: string) => {
      const m = new RegExp(`<!-- example:${name} -->\\n\`\`\`\\n([\\s\\S]*?)\`\`\``).exec(doc);
      if (!m) throw new Error(`docs/FORMAT.md has no example:${name}`);
      return m[1];
    };
    const dir = mkdtempSync(join(tmpdir(), 'immutrail-interop-doc-'));
    try {
      const key = example('batch-key').trim();
      mkdirSync(dirname(join(dir, key)), { recursive: true });
      writeFileSync(join(dir, key), example('batch-body'));
      const note = example('checkpoint');
      const time = /^time (\S+)$/m.exec(note)![1].replace(/[-:.]/g, '');
      const size = note.split('\n')[1].padStart(16, '0');
      mkdirSync(join(dir, 'checkpoints'));
      writeFileSync(join(dir, 'checkpoints', `${size}-${time}-${createHash('sha256').update(note).digest('hex').slice(0, 16)}.note`), note);
      writeFileSync(join(dir, 'key.pem'), example('public-key'));
      const args = ['--dir', dir, '--public-key', join(dir, 'key.pem'), '--json'];
      const ok = runVerifier(args);
      expect(JSON.parse(ok.stdout).problems).toEqual([]);
      expect(ok.status).toBe(0);
      writeFileSync(join(dir, key), example('batch-body').replace('i-1234567890abcdef0', 'i-1234567890abcdef1'));
      const bad = runVerifier(args);
      expect(bad.status).toBe(1);
      expect(JSON.parse(bad.stdout).problems.map((p: PyFinding) => p.code)).toContain('KEY_MISMATCH');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** The Python JCS against the TypeScript one, on values that stress number and key order. */
describe.skipIf(!hasPython)('the Python RFC 8785 implementation', () => {
  it('serializes numbers, strings and key order exactly as the TypeScript canonicalizer', () => {
    const view = new DataView(new ArrayBuffer(8));
    let seed = 0x9e3779b9;
    const nextByte = () => {
      seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
      return seed >>> 24;
    };
    const numbers: number[] = [0, 1, -1, 1.5, 1e21, 1e20, 1e-6, 1e-7, 5e-324, 1.7976931348623157e308, 2 ** 53 - 1, 0.1 + 0.2];
    while (numbers.length < 3000) {
      for (let i = 0; i < 8; i++) view.setUint8(i, nextByte());
      const x = view.getFloat64(0);
      if (Number.isFinite(x)) numbers.push(x);
    }
    const keys = ['b', 'a', 'é', '\uff61', '😀', '\u20ac', 'A', '', '\u0000x', 'aa'];
    const value: JsonValue = {
      numbers,
      strings: ['\u2028\u2029', '\u007f', '"\\/\b\f\n\r\t\u0001\u001f', 'テスト', '😀'],
      ...Object.fromEntries(keys.map((k, i) => [k, i])),
    };
    // Non-canonical input (pretty-printed, insertion order) must come back canonical.
    const input = JSON.stringify(value, null, 2);
    const script = [
      'import sys',
      `sys.path.insert(0, ${JSON.stringify(dirname(VERIFIER))})`,
      'import immutrail_verify as v',
      'text = sys.stdin.buffer.read().decode("utf-8")',
      'sys.stdout.buffer.write(v.canonicalize(v.strict_json_loads(text)).encode("utf-8"))',
    ].join('\n');
    const r = spawnSync('python3', ['-B', '-c', script], { input, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(canonicalize(value));
  });
});
