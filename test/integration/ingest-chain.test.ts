import { describe, expect, it } from 'vitest';
import { commitDrafts } from '../../lib/commit/commit';
import { draftFromMessage } from '../../lib/commit/drafts';
import { ingestSqsBatch, type IngestDeps } from '../../lib/ingest/sqs-batch';
import { verifyArchive } from '../../lib/verify/verify-archive';
import { trustedKeyFromPem } from '../../lib/core/checkpoint';
import { seal } from '../../lib/seal/seal';
import { liveHeads } from '../../lib/aws/live-heads';
import { useMoto } from '../support/moto';
import { createTestArchive, type TestArchive } from '../support/archive-env';
import { apiCallEnvelope, sqsEvent, sqsMessage } from '../support/events';

function ingestDeps(a: TestArchive, extra: Partial<IngestDeps> = {}): IngestDeps {
  return { ...a.commitDeps(), alerts: { deliver: async () => {} }, ...extra };
}

async function verify(a: TestArchive) {
  return verifyArchive(a.source, { keys: [trustedKeyFromPem(a.origin, a.signer.publicKeyPem())], checkDuplicates: true, heads: await liveHeads(a.store) });
}

async function eventIds(a: TestArchive): Promise<string[]> {
  const ids: string[] = [];
  for await (const o of a.source.list('records/')) {
    const body = (await a.source.get(o.key)).toString('utf8');
    for (const line of body.split('\n').filter(Boolean)) ids.push(JSON.parse(line).chain.id);
  }
  return ids;
}

describe('ingest on moto: chain, exactly once, races, crashes, quarantine', () => {
  const moto = useMoto();

  it('archives every event once and links the chain from genesis to head', async () => {
    const a = await createTestArchive(moto.target);
    const envelopes = Array.from({ length: 25 }, (_, i) => apiCallEnvelope({ eventId: `evt-${i}` }));
    for (let i = 0; i < envelopes.length; i += 10) {
      const { response, stats } = await ingestSqsBatch(ingestDeps(a), sqsEvent(envelopes.slice(i, i + 10).map((e) => sqsMessage(e, 'api'))));
      expect(response.batchItemFailures).toEqual([]);
      expect(stats.committed).toBe(Math.min(10, envelopes.length - i));
    }
    const report = await verify(a);
    expect(report.problems).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.shards).toEqual([expect.objectContaining({ shard: 'api', records: 26, objects: 3, orphans: 0 })]);
    const ids = await eventIds(a);
    expect(ids[0]).toBe('genesis:api');
    expect(ids.slice(1).sort()).toEqual(envelopes.map((e) => e.detail.eventID).sort());
    const head = await a.store.head('api');
    expect(head.seq).toBe(25);
    expect(head.hash).toBe(report.shards[0].head);
  });

  it('does not archive a redelivered event twice, even days later', async () => {
    const a = await createTestArchive(moto.target);
    const e = apiCallEnvelope({ eventId: 'evt-redelivered' });
    await ingestSqsBatch(ingestDeps(a), sqsEvent([sqsMessage(e, 'api')]));
    const later = new Date(Date.now() + 3 * 86_400_000);
    const { stats } = await ingestSqsBatch(ingestDeps(a, { clock: () => later }), sqsEvent([sqsMessage(e, 'api'), sqsMessage(e, 'api')]));
    expect(stats.duplicates).toBe(2);
    expect(stats.committed).toBe(0);
    expect((await eventIds(a)).filter((id) => id === 'evt-redelivered')).toHaveLength(1);
    expect((await verify(a)).ok).toBe(true);
  });

  it('never forks a shard when two writers race on it', async () => {
    const a = await createTestArchive(moto.target);
    // Seed the shard so both writers race on an existing head, not on genesis.
    await commitDrafts(a.commitDeps(), 'api', [
      draftFromMessage(JSON.stringify(apiCallEnvelope({ eventId: 'seed' })), { channel: 'eventbridge', logFile: null }).draft,
    ]);
    // Every writer's first attempt waits after its put until all four have read the same
    // head and written: the race is certain, not left to scheduling.
    let arrived = 0;
    let release!: () => void;
    const allWritten = new Promise<void>((r) => (release = r));
    const writer = (n: number) => {
      let first = true;
      return commitDrafts(
        a.commitDeps({
          afterPut: async () => {
            if (!first) return;
            first = false;
            if (++arrived === 4) release();
            await allWritten;
          },
        }),
        'api',
        Array.from(
          { length: 5 },
          (_, i) => draftFromMessage(JSON.stringify(apiCallEnvelope({ eventId: `w${n}-${i}` })), { channel: 'eventbridge', logFile: null }).draft,
        ),
      );
    };
    const outcomes = await Promise.all([writer(1), writer(2), writer(3), writer(4)]);
    const conflicts = outcomes.reduce((n, o) => n + o.conflicts, 0);
    // Four writers built on one head: exactly one commit wins that round.
    expect(conflicts).toBeGreaterThanOrEqual(3);
    const report = await verify(a);
    expect(report.problems).toEqual([]);
    expect(report.shards[0].records).toBe(1 + 1 + 20);
    // Every lost race left its object behind as an orphan, reported as benign.
    expect(report.notices.filter((n) => n.code === 'ORPHAN')).toHaveLength(conflicts);
    const all = await eventIds(a);
    expect(new Set(all).size).toBe(22);
    expect(all).toHaveLength(22 + conflicts * 5);
  });

  it('leaves a recognisable orphan when it crashes between the S3 put and the head update', async () => {
    const a = await createTestArchive(moto.target);
    const msgs = [apiCallEnvelope({ eventId: 'c1' }), apiCallEnvelope({ eventId: 'c2' })].map((e) => sqsMessage(e, 'api'));
    let crashes = 0;
    const crashing = ingestDeps(a, {
      afterPut: async () => {
        crashes++;
        throw new Error('injected crash after PutObject');
      },
    });
    const first = await ingestSqsBatch(crashing, sqsEvent(msgs));
    expect(first.response.batchItemFailures).toHaveLength(2);
    expect(crashes).toBe(1);
    const before = await verify(a);
    // Only the orphan exists: nothing is committed, and nothing is mistaken for tampering.
    expect(before.problems).toEqual([]);
    expect(before.records).toBe(0);
    const retry = await ingestSqsBatch(ingestDeps(a), sqsEvent(msgs));
    expect(retry.response.batchItemFailures).toEqual([]);
    const after = await verify(a);
    expect(after.problems).toEqual([]);
    expect(after.records).toBe(3);
    expect(after.notices.filter((n) => n.code === 'ORPHAN')).toHaveLength(1);
  });

  it('archives malformed events as quarantined records and keeps the shard moving', async () => {
    const a = await createTestArchive(moto.target);
    const bad = [
      '{not json',
      JSON.stringify({ hello: 'world' }),
      '"\\ud800 lone"',
      JSON.stringify({ ...apiCallEnvelope(), detail: { ...apiCallEnvelope().detail, eventTime: 'yyyy-mm-ddThh:mm:ssZ' } }),
    ];
    const good = apiCallEnvelope({ eventId: 'after-poison' });
    const { response, stats } = await ingestSqsBatch(ingestDeps(a), sqsEvent([...bad.map((b) => sqsMessage(b, 'api')), sqsMessage(good, 'api')]));
    expect(response.batchItemFailures).toEqual([]);
    expect(stats.quarantined).toBe(4);
    const lines: { chain: { kind: string }; data: { reason?: string; rawBase64?: string } }[] = [];
    for await (const o of a.source.list('records/')) {
      lines.push(
        ...(await a.source.get(o.key))
          .toString('utf8')
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l)),
      );
    }
    const quarantined = lines.filter((l) => l.chain.kind === 'quarantine');
    expect(quarantined.map((q) => Buffer.from(q.data.rawBase64!, 'base64').toString('utf8')).sort()).toEqual([...bad].sort());
    expect(quarantined.every((q) => typeof q.data.reason === 'string' && q.data.reason.length > 0)).toBe(true);
    expect(lines.some((l) => l.chain.kind === 'event')).toBe(true);
  });

  it('seals a checkpoint that the verifier accepts and that names every shard', async () => {
    const a = await createTestArchive(moto.target);
    await ingestSqsBatch(ingestDeps(a), sqsEvent([sqsMessage(apiCallEnvelope(), 'api'), sqsMessage(apiCallEnvelope(), 'ec2')]));
    const first = await seal({ store: a.store, checkpoints: a.checkpoints, signer: a.signer, origin: a.origin });
    await ingestSqsBatch(ingestDeps(a), sqsEvent([sqsMessage(apiCallEnvelope(), 'api')]));
    const second = await seal({ store: a.store, checkpoints: a.checkpoints, signer: a.signer, origin: a.origin });
    expect(first.signed.checkpoint.shards.map((s) => [s.shard, s.size])).toEqual([
      ['api', 2],
      ['ec2', 2],
    ]);
    expect(second.signed.checkpoint.size).toBe(5);
    const report = await verify(a);
    expect(report.problems).toEqual([]);
    expect(report.checkpoints).toMatchObject({ count: 2, valid: 2, latest: { size: 5 } });
    expect(report.notices.filter((n) => n.code === 'UNSEALED')).toEqual([]);
  });

  // Issue 19, defect 2: the id claim of a 3,000-character eventID failed DynamoDB's key-size check on every
  // attempt, sending its whole batch to the DLQ. Ids are now 16-byte digests in an id set: any length fits.
  it('archives an event with a 3,000-character eventID, and its neighbours, exactly once', async () => {
    const a = await createTestArchive(moto.target);
    const longId = 'x'.repeat(3000);
    const batch = [apiCallEnvelope({ eventId: 'before-long' }), apiCallEnvelope({ eventId: longId }), apiCallEnvelope({ eventId: 'after-long' })];
    const first = await ingestSqsBatch(ingestDeps(a), sqsEvent(batch.map((e) => sqsMessage(e, 'api'))));
    expect(first.response.batchItemFailures).toEqual([]);
    expect(first.stats.committed).toBe(3);
    const again = await ingestSqsBatch(ingestDeps(a), sqsEvent([sqsMessage(batch[1], 'api')]));
    expect(again.stats).toMatchObject({ committed: 0, duplicates: 1 });
    expect((await eventIds(a)).filter((id) => id === longId)).toHaveLength(1);
    expect((await verify(a)).ok).toBe(true);
  });
});
