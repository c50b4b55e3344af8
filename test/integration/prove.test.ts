import { mkdirSync, mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientConfig } from '../../lib/aws/client-config';
import { S3Source } from '../../lib/aws/s3-source';
import { ANY_KEY_NAME, trustedKeyFromPem, type SignedCheckpoint } from '../../lib/core/checkpoint';
import { cli } from '../support/cli';
import { commitDrafts } from '../../lib/ingest/commit';
import { draftFromMessage } from '../../lib/ingest/drafts';
import { ingestSqsBatch } from '../../lib/ingest/sqs-batch';
import { buildInclusionProof } from '../../lib/prove/build-proof';
import { DynamoIndexTable } from '../../lib/prove/dynamo-index-table';
import { buildInclusionProofOffline } from '../../lib/prove/offline-proof';
import { parseProofFile, serializeProofFile } from '../../lib/prove/proof-file';
import { RequestMeter, meterAwsClient } from '../../lib/prove/request-meter';
import { TILE_LEVELS } from '../../lib/prove/tile-keys';
import { verifyProofFile } from '../../lib/prove/verify-proof';
import { seal } from '../../lib/seal/seal';
import { buildTilesInTable } from '../../lib/seal/tiles';
import { createTestArchive, type TestArchive } from '../support/archive-env';
import { apiCallEnvelope, sqsEvent, sqsMessage } from '../support/events';
import { useMoto } from '../support/moto';

const eventDraft = (id: string) => draftFromMessage(JSON.stringify(apiCallEnvelope({ eventId: id })), { channel: 'eventbridge', logFile: null }).draft;

const immutrail = cli;

// The time apiCallEnvelope gives its events (test/support/events.ts): what `prove --time` is told.
const EVENT_TIME = '2026-11-20T10:15:30Z';

describe('inclusion proofs on moto: prove from the index, verify with the public key alone', () => {
  const moto = useMoto();
  let a: TestArchive;
  let signed: SignedCheckpoint;
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
    for (let i = 0; i < 1000; i += 25) await commitDrafts(a.commitDeps(), 'api', Array.from({ length: 25 }, (_, j) => eventDraft(`bulk-${i + j}`)));
    await ingestSqsBatch(deps, sqsEvent([sqsMessage(apiCallEnvelope({ eventId: 'evt-late' }), 'api')]));
    signed = (await seal({ store: a.store, checkpoints: a.checkpoints, signer: a.signer, origin: a.origin })).signed;
    await buildTilesInTable(a.ddb, a.table, signed.checkpoint);
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

  it('tiles every complete 256-leaf block once; a second run writes nothing', async () => {
    const again = await buildTilesInTable(a.ddb, a.table, signed.checkpoint);
    const api = again.find((r) => r.shard === 'api')!;
    expect(api.written).toEqual({});
    expect(api.stored[8]).toBe(Math.floor(apiSize() / 256));
    expect(api.stored[16]).toBe(0);
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
    // Reads the algorithm allows (see locateRecord and inclusionPathFromIndex): the checkpoint,
    // the legacy record entry, one id-set query per shard for the event's hour, the commit's batch
    // log item, the batch object, the tile progress, then per tile level in use at most two tile
    // queries, and at most two batch-log queries (the leaf's 256-block and the last partial block).
    const levelsInUse = TILE_LEVELS.filter((l) => 2 ** l <= n).length;
    const shards = signed.checkpoint.shards.length;
    const bound = 4 + shards + 1 + 2 * levelsInUse + 2;
    expect(bound).toBe(11);
    for (const id of ['evt-0', 'bulk-500', 'bulk-999', 'evt-late']) {
      const before = sent;
      const r = await buildInclusionProof(deps, id, { time: EVENT_TIME });
      expect(r.reads.requests).toBe(sent - before);
      expect(r.reads.reads).toBeLessThanOrEqual(bound);
      expect(r.reads.byOperation).toMatchObject({ 'S3.GetObject': 1, 'DynamoDB.GetItem': 4 });
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
    expect(proved.stdout).toMatch(/\d+ storage read\(s\) \(.*S3\.GetObject 1/);

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
  });
});
