import { beforeAll, describe, expect, it } from 'vitest';
import { ANY_KEY_NAME, trustedKeyFromPem } from '../../../lib/core/checkpoint';
import { draftFromMessage } from '../../../lib/commit/drafts';
import { buildInclusionProof } from '../../../lib/prove/build-proof';
import { ProveError } from '../../../lib/verify/prove-error';
import { buildInclusionProofOffline, countingSource } from '../../../lib/prove/offline-proof';
import { RequestMeter } from '../../../lib/prove/request-meter';
import { tileKey } from '../../../lib/core/tiles';
import { verifyProofFile } from '../../../lib/prove/verify-proof';
import { apiCallEnvelope } from '../../support/events';
import { MemoryArchive, coverageDrafts } from './memory-archive';
import { locateReadBound, pathReadBound } from './read-bounds';

const eventDraft = (id: string) => draftFromMessage(JSON.stringify(apiCallEnvelope({ eventId: id })), { channel: 'eventbridge', logFile: null }).draft;

async function codeOf(p: Promise<unknown>): Promise<string> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ProveError);
  return (err as ProveError).code;
}

const EVENT_TIME = '2026-11-20T10:15:30Z';

describe('buildInclusionProof (located by the index, path from the tiles in the bucket)', () => {
  let a: MemoryArchive;
  const deps = () => ({ table: a.table, objects: a.objectStore, meter: a.meter });
  const keys = () => [trustedKeyFromPem(ANY_KEY_NAME, a.signer.publicKeyPem())];

  beforeAll(async () => {
    a = new MemoryArchive();
    a.commit('api', [eventDraft('evt-early'), ...coverageDrafts('a', 20)]);
    for (let i = 0; i < 30; i++) a.commit('api', coverageDrafts(`bulk-${i}`, 30));
    a.commit('api', [eventDraft('evt-late')]);
    a.commit('ec2', [eventDraft('evt-ec2')]);
    await a.seal();
    a.commit('api', [eventDraft('evt-unsealed')]);
  });

  it('proves a sealed record in a few reads, and the proof verifies with the public key alone', async () => {
    // Events are found in their hour (--time); the test's other records have no time (one search step).
    for (const id of ['evt-early', 'bulk-7-4', 'evt-late', 'evt-ec2']) {
      const r = await buildInclusionProof(deps(), id, id.startsWith('evt-') ? { time: EVENT_TIME } : {});
      const verdict = verifyProofFile(r.proof, keys());
      expect(verdict.checks.filter((c) => c.status !== 'pass')).toEqual([]);
      expect(verdict.ok).toBe(true);
      expect(verdict.summary?.id).toBe(id);
      expect(r.reads.reads).toBeLessThanOrEqual(pathReadBound(r.proof.treeSize) + locateReadBound(2));
      // The batch object, then tiles only: the path reads no table item.
      expect(r.reads.byOperation['S3.GetObject']).toBeLessThanOrEqual(1 + pathReadBound(r.proof.treeSize));
      expect(r.method).toBe('index');
    }
    const early = await buildInclusionProof(deps(), 'evt-early', { time: EVENT_TIME });
    expect(early.proof).toMatchObject({ shard: 'api', seq: 1, treeSize: 1 + 21 + 900 + 1 });
    expect(verifyProofFile(early.proof, keys()).summary).toMatchObject({
      kind: 'event',
      eventTime: '2026-11-20T10:15:30Z',
      actor: 'arn:aws:sts::111122223333:assumed-role/Admin/alice',
      action: 'ec2:AuthorizeSecurityGroupIngress',
      resources: [expect.stringContaining('sg-0123456789abcdef0')],
    });
  });

  it('says whether a record is unknown or not sealed yet', async () => {
    expect(await codeOf(buildInclusionProof(deps(), 'no-such-event'))).toBe('NOT_FOUND');
    expect(await codeOf(buildInclusionProof(deps(), 'evt-unsealed', { time: EVENT_TIME }))).toBe('NOT_SEALED');
    const fresh = new MemoryArchive();
    fresh.commit('api', [eventDraft('first')]);
    expect(await codeOf(buildInclusionProof({ table: fresh.table, objects: fresh.objectStore, meter: fresh.meter }, 'first'))).toBe('NOT_SEALED');
  });

  it('says which tile is missing when the tile step did not run for the checkpoint, and is damaged', async () => {
    const b = new MemoryArchive();
    for (let i = 0; i < 20; i++) b.commit('api', coverageDrafts(`x-${i}`, 30));
    await b.seal({ tile: false });
    const d = { table: b.table, objects: b.objectStore, meter: b.meter };
    const err = await buildInclusionProof(d, 'x-3-3').catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'TILE_MISSING', message: expect.stringContaining('tiles/api/tile/') });
    await b.tile((await b.seal({ tile: false })).checkpoint);
    expect(verifyProofFile((await buildInclusionProof(d, 'x-3-3')).proof, [trustedKeyFromPem(ANY_KEY_NAME, b.signer.publicKeyPem())]).ok).toBe(true);
    b.objects.set(tileKey('api', { level: 0, index: 0, width: 256 }), Buffer.alloc(100));
    expect(await codeOf(buildInclusionProof(d, 'x-3-3'))).toBe('TILE_DAMAGED');
  });

  it('refuses to hand out a proof when the index disagrees with the signed checkpoint', async () => {
    const b = new MemoryArchive();
    for (let i = 0; i < 20; i++) b.commit('api', coverageDrafts(`y-${i}`, 30));
    await b.seal();
    const d = { table: b.table, objects: b.objectStore, meter: b.meter };
    // 601 leaves: record 571 is in level-0 tile 2; its path takes [0, 512) from the level-1 partial tile.
    b.objects.set(tileKey('api', { level: 1, index: 0, width: 2 }), Buffer.alloc(64, 7));
    expect(await codeOf(buildInclusionProof(d, 'y-19-0'))).toBe('INDEX_MISMATCH');
  });

  it('refuses a batch object that does not hold the record where the index says', async () => {
    const b = new MemoryArchive();
    const { key } = b.commit('api', coverageDrafts('z', 5));
    await b.seal();
    b.objects.set(key, Buffer.from(b.objects.get(key)!.toString('utf8').replace('"id":"z-2"', '"id":"z-9"')));
    expect(await codeOf(buildInclusionProof({ table: b.table, objects: b.objectStore, meter: b.meter }, 'z-2'))).toBe('RECORD_MISMATCH');
  });
});

describe('buildInclusionProof: finding the record in the id sets', () => {
  it('without --time, searches the timeless set then hour by hour backwards, one query per shard each', async () => {
    const b = new MemoryArchive();
    b.commit('api', [eventDraft('evt-search')]);
    b.commit('ec2', coverageDrafts('c', 3));
    await b.seal();
    const d = { table: b.table, objects: b.objectStore, meter: b.meter };
    const found = await buildInclusionProof(d, 'evt-search');
    // The checkpoint is at 12:00 and the event at 10:15: the timeless set, then hours 12, 11 and 10, in 2 shards.
    expect(found.reads.byOperation['DynamoDB.Query'] ?? 0).toBeGreaterThanOrEqual(4 * 2);
    const direct = await buildInclusionProof(d, 'evt-search', { time: EVENT_TIME });
    expect(direct.proof).toEqual(found.proof);
    expect(direct.reads.reads).toBeLessThan(found.reads.reads);
    expect(await codeOf(buildInclusionProof(d, 'evt-search', { searchHours: 1 }))).toBe('NOT_FOUND');
  });

  it('still proves records of an archive indexed before the id sets (one id# item per record)', async () => {
    const old = new MemoryArchive('immutrail.test/memory', true);
    old.commit('api', [eventDraft('evt-old'), ...coverageDrafts('o', 4)]);
    await old.seal();
    const r = await buildInclusionProof({ table: old.table, objects: old.objectStore, meter: old.meter }, 'evt-old');
    expect(r.proof).toMatchObject({ shard: 'api', seq: 1 });
    expect(r.reads.byOperation['DynamoDB.Query'] ?? 0).toBeLessThanOrEqual(pathReadBound(r.proof.treeSize));
    expect(verifyProofFile(r.proof, [trustedKeyFromPem(ANY_KEY_NAME, old.signer.publicKeyPem())]).ok).toBe(true);
  });
});

describe('buildInclusionProofOffline (from the bucket alone)', () => {
  it('gives the same proof as the index, reading every object', async () => {
    const a = new MemoryArchive();
    for (let i = 0; i < 12; i++) a.commit(i % 3 === 0 ? 'ec2' : 'api', [...coverageDrafts(`o-${i}`, 25), eventDraft(`e-${i}`)]);
    await a.seal();
    const online = await buildInclusionProof({ table: a.table, objects: a.objectStore, meter: a.meter }, 'e-5');
    const meter = new RequestMeter();
    const offline = await buildInclusionProofOffline(countingSource(a.source(), meter), 'e-5', { meter });
    expect(offline.proof).toEqual(online.proof);
    expect(offline.method).toBe('rebuild');
    // Every batch object, the record's object again, the newest checkpoint and two listings (tiles are not read).
    expect(offline.reads.byOperation['File.Get']).toBe(12 + 1 + 1);
    expect(offline.reads.byOperation['File.List']).toBe(2);
  });

  it('says when the record is unknown, or only in an object that was never committed', async () => {
    const a = new MemoryArchive();
    a.commit('api', coverageDrafts('c', 3));
    await a.seal();
    // An orphan: a batch written for the same sequences that lost the race.
    const loser = new MemoryArchive(a.origin);
    const { key } = loser.commit('api', coverageDrafts('orphan', 3));
    a.objects.set(key, loser.objects.get(key)!);
    expect(await codeOf(buildInclusionProofOffline(a.source(), 'orphan-1'))).toBe('NOT_FOUND');
    expect(await codeOf(buildInclusionProofOffline(a.source(), 'nothing'))).toBe('NOT_FOUND');
    expect((await buildInclusionProofOffline(a.source(), 'c-1')).proof.seq).toBe(2);
  });
});
