import { mkdirSync, mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { createArchiveBucket } from '../../lib/aws/archive-bucket-setup';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientConfig } from '../../lib/aws/client-config';
import { LockedObjects } from '../../lib/aws/locked-objects';
import { S3Source } from '../../lib/aws/s3-source';
import { ANY_KEY_NAME, trustedKeyFromPem, type SignedCheckpoint } from '../../lib/core/checkpoint';
import { cli } from '../support/cli';
import { commitDrafts } from '../../lib/commit/commit';
import { draftFromMessage } from '../../lib/commit/drafts';
import { ingestSqsBatch } from '../../lib/ingest/sqs-batch';
import { buildInclusionProof } from '../../lib/prove/build-proof';
import { DynamoIndexTable } from '../../lib/prove/dynamo-index-table';
import { buildInclusionProofOffline } from '../../lib/prove/offline-proof';
import { parseProofFile, serializeProofFile } from '../../lib/prove/proof-file';
import { RequestMeter, meterAwsClient } from '../../lib/prove/request-meter';
import { buildInclusionProofAt } from '../../lib/prove/static-proof';
import { countingSource } from '../../lib/prove/offline-proof';
import { checkConsistency } from '../../lib/core/merkle/consistency';
import { tileKey, tilesAdded, tilesOfTree, topLevel } from '../../lib/core/tiles';
import { parseAddCheckpoint } from '../../lib/core/witness/add-checkpoint';
import { DirSource } from '../../lib/verify/dir-source';
import { verifyProofFile } from '../../lib/prove/verify-proof';
import { seal, type ShardNoteWritten } from '../../lib/seal/seal';
import { archiveTileStep, type TileStepResult } from '../../lib/seal/tile-step';
import { createTestArchive, type TestArchive } from '../support/archive-env';
import { apiCallEnvelope, sqsEvent, sqsMessage } from '../support/events';
import { useMoto } from '../support/moto';

const eventDraft = (id: string) => draftFromMessage(JSON.stringify(apiCallEnvelope({ eventId: id })), { channel: 'eventbridge', logFile: null }).draft;

const immutrail = cli;

// The time apiCallEnvelope gives its events (test/support/events.ts): what `prove --time` is told.
const EVENT_TIME = '2026-11-20T10:15:30Z';

describe('inclusion proofs on moto: tiles in the bucket, prove, verify with the public key alone', () => {
  const moto = useMoto();
  let a: TestArchive;
  let signed: SignedCheckpoint;
  let shardNotes: ShardNoteWritten[];
  let tiled: TileStepResult;
  const tileStep = () => archiveTileStep({ ddb: a.ddb, s3: a.s3 }, { table: a.table, bucket: a.bucket, retentionDays: 0 });
  let work: string;
  let pem: string;

  beforeAll(async () => {
    a = await createTestArchive(moto.target);
    const deps = { ...a.commitDeps(), alerts: { deliver: async () => {} } };
    // Through the real ingest path first, then 1,000 records in 40 commits of 25 (so that reading
    // every object, as the offline prover does, costs many reads); the million-record case is
    // measured against the in-memory table in test/unit/prove/million.test.ts.
    const early = Array.from({ length: 10 }, (_, i) => sqsMessage(apiCallEnvelope({ eventId: `evt-${i}` }), i % 4 === 3 ? 'ec2' : 'api'));
    expect((await ingestSqsBatch(deps, sqsEvent(early))).response.batchItemFailures).toEqual([]);
    for (let i = 0; i < 1000; i += 25)
      await commitDrafts(
        a.commitDeps(),
        'api',
        Array.from({ length: 25 }, (_, j) => eventDraft(`bulk-${i + j}`)),
      );
    await ingestSqsBatch(deps, sqsEvent([sqsMessage(apiCallEnvelope({ eventId: 'evt-late' }), 'api')]));
    ({ signed, shardNotes } = await seal({ store: a.store, checkpoints: a.checkpoints, signer: a.signer, origin: a.origin }));
    // The seal runtime's step after publishing: tiles, then the witness requests.
    tiled = await tileStep()(shardNotes);
    // Committed after the seal: not provable until the next one.
    await ingestSqsBatch(deps, sqsEvent([sqsMessage(apiCallEnvelope({ eventId: 'evt-unsealed' }), 'api')]));
    work = mkdtempSync(join(tmpdir(), 'immutrail-prove-'));
    pem = join(work, 'checkpoint-key.pem');
    writeFileSync(pem, a.signer.publicKeyPem());
  }, 600_000);

  afterAll(() => {
    process.exitCode = undefined;
  });

  const apiSize = () => signed.checkpoint.shards.find((s) => s.shard === 'api')!.size;

  it('stores the C2SP tiles of each shard and an add-checkpoint request beside each shard note', async () => {
    const stored: string[] = [];
    for await (const o of a.source.list('tiles/')) stored.push(o.key);
    const wanted = signed.checkpoint.shards.flatMap((s) => tilesOfTree(s.size).map((t) => tileKey(s.shard, t)));
    expect(stored.sort()).toEqual(wanted.sort());
    expect(tiled.tiles.map((t) => t.written).reduce((x, y) => x + y)).toBe(wanted.length);
    expect(tiled.submissions.sort()).toEqual(shardNotes.map((n) => n.key.replace(/\.note$/, '.add-checkpoint')).sort());
    for (const n of shardNotes) {
      const req = parseAddCheckpoint(await a.source.get(n.key.replace(/\.note$/, '.add-checkpoint')));
      expect(req).toEqual({ oldSize: 0, proof: [], note: n.note });
    }
    // A rerun (a retried Lambda) writes the same bytes: write-once accepts them.
    await tileStep()(shardNotes);
  });

  it('proves a record in O(log n) reads, counted on the wire, and the proof verifies offline', async () => {
    const meter = new RequestMeter();
    // An independent count of every request the two clients send.
    let sent = 0;
    const s3 = new S3Client(clientConfig(moto.target));
    const ddb = new DynamoDBClient(clientConfig(moto.target));
    meterAwsClient(s3, meter);
    meterAwsClient(ddb, meter);
    s3.middlewareStack.add((next) => async (args) => ((sent += 1), next(args)), { step: 'initialize', name: 'testCount' });
    ddb.middlewareStack.add((next) => async (args) => ((sent += 1), next(args)), { step: 'initialize', name: 'testCount' });
    const deps = { table: new DynamoIndexTable(ddb, a.table), objects: new S3Source(s3, a.bucket), meter };
    const n = apiSize();
    expect(n).toBeGreaterThan(1000);
    // Reads the algorithm allows (see locateRecord and TileTree): the checkpoint, the legacy
    // record entry, one id-set query per shard for the event's hour, the commit's batch log
    // item (the table ends there), the batch object, then at most two tiles per tile level.
    const shards = signed.checkpoint.shards.length;
    const bound = 4 + shards + 1 + 2 * (topLevel(n) + 1);
    expect(bound).toBe(11);
    for (const id of ['evt-0', 'bulk-500', 'bulk-999', 'evt-late']) {
      const before = sent;
      const r = await buildInclusionProof(deps, id, { time: EVENT_TIME });
      expect(r.reads.requests).toBe(sent - before);
      expect(r.reads.reads).toBeLessThanOrEqual(bound);
      // The path reads no table item: GetItem for the checkpoint pointer and the commit only.
      expect(r.reads.byOperation['DynamoDB.GetItem']).toBeLessThanOrEqual(3);
      expect(r.reads.byOperation['S3.GetObject']).toBeLessThanOrEqual(1 + 2 * (topLevel(n) + 1));
      // Only the public key: through the file format, as an auditor receives it.
      const file = parseProofFile(serializeProofFile(r.proof));
      const verdict = verifyProofFile(file, [trustedKeyFromPem(ANY_KEY_NAME, readFileSync(pem))]);
      expect(verdict.checks.filter((c) => c.status !== 'pass')).toEqual([]);
      expect(verdict.summary?.id).toBe(id);
    }

    // The same proof from the bucket alone costs a read per object.
    const offlineMeter = new RequestMeter();
    const s3b = new S3Client(clientConfig(moto.target));
    meterAwsClient(s3b, offlineMeter);
    const online = await buildInclusionProof(deps, 'bulk-500', { time: EVENT_TIME });
    const offline = await buildInclusionProofOffline(new S3Source(s3b, a.bucket), 'bulk-500', { meter: offlineMeter });
    expect(offline.proof).toEqual(online.proof);
    let objects = 0;
    for await (const o of a.source.list('records/')) objects += o.size > 0 ? 1 : 0;
    expect(objects).toBeGreaterThan(34);
    expect(offline.reads.byOperation['S3.GetObject']).toBeGreaterThan(objects);
    expect(online.reads.reads * 4).toBeLessThan(offline.reads.reads);
  });

  it('prove and verify-proof from the CLI: exit 0 valid, 1 tampered or unprovable, 2 bad usage', async () => {
    const where = ['--endpoint', moto.target.endpoint!, '--region', moto.target.region, '--bucket', a.bucket, '--table', a.table];
    const file = join(work, 'evt-2.json');
    const proved = await immutrail('prove', 'evt-2', ...where, '--time', EVENT_TIME, '--out', file);
    expect(proved.stderr).toBe('');
    expect(proved.code).toBe(0);
    expect(proved.stdout).toContain(`wrote ${file}`);
    expect(proved.stdout).toMatch(/\d+ storage read\(s\) \(.*S3\.GetObject \d/);

    const ok = await immutrail('verify-proof', file, '--public-key', pem);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/^VALID: record evt-2 /m);
    expect(ok.stdout).toContain('ec2:AuthorizeSecurityGroupIngress');
    const json = await immutrail('verify-proof', file, '--public-key', pem, '--json');
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: true, failed: null, summary: { id: 'evt-2', kind: 'event' } });

    // One byte of the record changed: still JSON, still canonical, no longer the signed leaf.
    const proof = JSON.parse(readFileSync(file, 'utf8'));
    const tamperedFile = join(work, 'tampered.json');
    writeFileSync(tamperedFile, JSON.stringify({ ...proof, record: proof.record.replace('203.0.113.10', '203.0.113.11') }));
    const tampered = await immutrail('verify-proof', tamperedFile, '--public-key', pem);
    expect(tampered.code).toBe(1);
    expect(tampered.stdout).toMatch(/^INVALID: the inclusion check failed/m);

    const missing = await immutrail('verify-proof', join(work, 'nope.json'), '--public-key', pem);
    expect(missing.code).toBe(2);
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);
    expect(missing.stderr).toContain('ENOENT');
    const notJson = join(work, 'not.json');
    writeFileSync(notJson, 'hello');
    expect((await immutrail('verify-proof', notJson, '--public-key', pem)).code).toBe(2);
    writeFileSync(notJson, '{"hello":"world"}');
    const notProof = await immutrail('verify-proof', notJson, '--public-key', pem);
    expect(notProof.code).toBe(2);
    expect(notProof.stderr).toMatch(/not an immutrail inclusion proof/);
    expect((await immutrail('verify-proof', file)).code).toBe(2);

    const unknown = await immutrail('prove', 'no-such-event', ...where, '--out', join(work, 'x.json'));
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/no record with id no-such-event/);
    const unsealed = await immutrail('prove', 'evt-unsealed', ...where, '--time', EVENT_TIME, '--out', join(work, 'y.json'));
    const badTime = await immutrail('prove', 'evt-2', ...where, '--time', 'yesterday', '--out', join(work, 'z.json'));
    expect(badTime.code).toBe(2);
    expect(badTime.stderr).toMatch(/--time "yesterday" is not a time/);
    expect(unsealed.code).toBe(1);
    expect(unsealed.stderr).toMatch(/not sealed yet/);
    expect(existsSync(join(work, 'y.json'))).toBe(false);

    // From a local copy of the bucket (aws s3 sync): the same proof, rebuilt from every object.
    const copy = join(work, 'archive');
    for await (const o of a.source.list('')) {
      const path = join(copy, ...o.key.split('/'));
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, await a.source.get(o.key));
    }
    const offlineFile = join(work, 'offline.json');
    const offline = await immutrail('prove', 'evt-2', '--dir', copy, '--out', offlineFile);
    expect(offline.code).toBe(0);
    expect(offline.stdout).toMatch(/rebuilt from every batch object/);
    expect(readFileSync(offlineFile, 'utf8')).toBe(readFileSync(file, 'utf8'));
    expect((await immutrail('verify-proof', offlineFile, '--public-key', pem)).code).toBe(0);

    // The same copy serves the proof from its tiles with no table at all: one listing, the object, the tiles.
    const p = parseProofFile(readFileSync(file, 'utf8'));
    const meter = new RequestMeter();
    const fromTiles = await buildInclusionProofAt(countingSource(new DirSource(copy), meter), { shard: p.shard, seq: p.seq }, { meter });
    expect(serializeProofFile(fromTiles.proof)).toBe(serializeProofFile(p));
    expect(fromTiles.method).toBe('tiles');
    expect(Object.keys(fromTiles.reads.byOperation).sort()).toEqual(['File.Get', 'File.List']);
    // The newest checkpoint, the record's object, at most two tiles per level.
    expect(fromTiles.reads.byOperation['File.Get']).toBeLessThanOrEqual(2 + 2 * (topLevel(p.treeSize) + 1));
  });

  it('the next seal tiles only what grew, and its witness request proves the new size extends the old', async () => {
    await commitDrafts(
      a.commitDeps(),
      'api',
      Array.from({ length: 300 }, (_, j) => eventDraft(`more-${j}`)),
    );
    const before = new Set<string>();
    for await (const o of a.source.list('tiles/')) before.add(o.key);
    const next = await seal({ store: a.store, checkpoints: a.checkpoints, signer: a.signer, origin: a.origin });
    const step = await tileStep()(next.shardNotes);
    const api = next.shardNotes.find((n) => n.shard === 'api')!;
    expect(api.previousSize).toBe(apiSize());
    const added: string[] = [];
    for await (const o of a.source.list('tiles/')) if (!before.has(o.key)) added.push(o.key);
    expect(added.sort()).toEqual(
      tilesAdded(api.previousSize, api.size)
        .map((t) => tileKey('api', t))
        .sort(),
    );
    expect(step.tiles.find((t) => t.shard === 'api')).toMatchObject({ from: api.previousSize, size: api.size, written: added.length });
    const req = parseAddCheckpoint(await a.source.get(api.key.replace(/\.note$/, '.add-checkpoint')));
    if (typeof req === 'string') throw new Error(req);
    const oldRoot = Buffer.from(signed.checkpoint.shards.find((s) => s.shard === 'api')!.root, 'hex');
    const newRoot = Buffer.from(next.signed.checkpoint.shards.find((s) => s.shard === 'api')!.root, 'hex');
    expect(req.oldSize).toBe(api.previousSize);
    expect(req.proof.length).toBeGreaterThan(0);
    expect(checkConsistency(req.oldSize, api.size, oldRoot, newRoot, req.proof)).toEqual({ ok: true });
  });

  it('locks tiles like every archive object (Object Lock COMPLIANCE on a locked bucket)', async () => {
    const s3 = new S3Client(clientConfig(moto.target));
    const bucket = `${a.bucket}-locked`;
    await createArchiveBucket(s3, { bucket, region: moto.target.region, retentionDays: 1, policy: 'unconditional-only' });
    const objects = new LockedObjects(s3, { bucket, retentionDays: 3 });
    const key = tileKey('api', { level: 0, index: 0, width: 1 });
    await objects.put(key, Buffer.alloc(32, 1));
    await objects.put(key, Buffer.alloc(32, 1));
    await expect(objects.put(key, Buffer.alloc(32, 2))).rejects.toMatchObject({ code: 'OBJECT_EXISTS' });
    // (moto's GetObjectRetention answer does not parse; HEAD carries the same lock.)
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    expect(head.ObjectLockMode).toBe('COMPLIANCE');
    expect(head.ObjectLockRetainUntilDate!.getTime()).toBeGreaterThan(Date.now() + 2 * 86_400_000);
    expect(await objects.get(tileKey('api', { level: 0, index: 1, width: 1 }))).toBeNull();
  });
});
