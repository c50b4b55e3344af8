import { createHash } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { Alert } from '../../../lib/core/alert';
import type { AuditRecordOf } from '../../../lib/core/record';
import type { DigestLookup } from '../../../lib/cloudtrail/digest';
import { coverageLocation, coverageRecordId, reconcileLogFile, type ReconcileDeps } from '../../../lib/cloudtrail/reconcile';
import { reconcileObjects } from '../../../lib/cloudtrail/reconcile-objects';
import { TrailBucket } from '../../../lib/cloudtrail/trail-bucket';
import { apiCallEnvelope } from '../../support/events';
import { MemoryChain } from '../watchdog/memory-chain';

const BUCKET = 'trail-bucket';
const KEY = 'AWSLogs/111122223333/CloudTrail/eu-west-1/2026/11/20/111122223333_CloudTrail_eu-west-1_20261120T1020Z_abcdefABCDEF0123.json.gz';

const call = (eventId: string, over: Record<string, unknown> = {}) => ({ ...apiCallEnvelope({ eventId }).detail, ...over });
const logFile = (records: unknown[]): Buffer => gzipSync(JSON.stringify({ Records: records }));

function setup(extra: Partial<ReconcileDeps> = {}) {
  const chain = new MemoryChain();
  const published: Alert[] = [];
  const deps: ReconcileDeps = {
    store: chain,
    archive: chain,
    origin: 'immutrail.test/reconcile',
    alerts: { deliver: async (b) => void published.push(...b.flatMap((x) => x.alerts)) },
    ...extra,
  };
  return { chain, published, deps };
}

const events = (chain: MemoryChain) => chain.records.filter((r) => r.chain.kind === 'event') as AuditRecordOf<'event'>[];

describe('reconcileLogFile', () => {
  it('commits recovered events in eventTime order, once per id, and counts what the file held', async () => {
    const { chain, deps } = setup();
    const records = [
      call('late', { eventTime: '2026-11-20T10:19:00Z' }),
      call('early', { eventTime: '2026-11-20T10:01:00Z' }),
      call('read', { eventName: 'DescribeSecurityGroups', readOnly: true }),
      call('early', { eventTime: '2026-11-20T10:01:00Z' }),
    ];
    const out = await reconcileLogFile(deps, { bucket: BUCKET, key: KEY, body: logFile(records) });
    expect(out).toMatchObject({ total: 4, archived: 1, recovered: 2, quarantined: 0, skipped: 1, coverage: 'committed' });
    expect(events(chain).map((r) => r.chain.id)).toEqual(['early', 'late']);
    expect(events(chain).every((r) => r.data.via.channel === 'trail-log' && r.data.via.logFile === KEY)).toBe(true);
    const coverage = chain.records.find((r) => r.chain.kind === 'coverage')!;
    expect(coverage.chain.id).toBe(coverageRecordId(BUCKET, KEY));
    expect(coverage.data).toEqual({
      logFile: KEY,
      total: 4,
      archived: 1,
      recovered: 2,
      skipped: 1,
      digestSha256: null,
      account: '111122223333',
      region: 'eu-west-1',
    });
  });

  it("names the account and region of an organization trail's log file in the coverage record", async () => {
    const { chain, deps } = setup();
    const key = 'org/AWSLogs/o-abc123def4/444455556666/CloudTrail/ap-south-2/2026/11/20/444455556666_CloudTrail_ap-south-2_20261120T1020Z_x.json.gz';
    await reconcileLogFile(deps, { bucket: BUCKET, key, body: logFile([call('org-1')]) });
    expect(chain.records.find((r) => r.chain.kind === 'coverage')?.data).toMatchObject({ logFile: key, account: '444455556666', region: 'ap-south-2' });
  });

  it("names no account or region for a key outside CloudTrail's layout (a copy, an export)", () => {
    expect(coverageLocation('exports/march/file.json.gz')).toEqual({ account: null, region: null });
    expect(coverageLocation('C:\\logs\\AWSLogs\\111122223333\\CloudTrail\\eu-west-1\\2026\\11\\20\\f_20261120T1020Z_a.json.gz')).toEqual({
      account: '111122223333',
      region: 'eu-west-1',
    });
  });

  it('keeps records that fail validation, quarantined, and counts them as missed', async () => {
    const { chain, deps, published } = setup();
    const bad = call('bad-time', { eventTime: 'yyyy-mm-ddThh:mm:ssZ' });
    const out = await reconcileLogFile(deps, { bucket: BUCKET, key: KEY, body: logFile([bad, 42]) });
    expect(out).toMatchObject({ total: 2, recovered: 2, quarantined: 2, skipped: 0 });
    expect(chain.records.filter((r) => r.chain.kind === 'quarantine')).toHaveLength(2);
    // No recovered event to ride on: the alert is committed with the coverage record, then published.
    expect(out.missedAlert?.summary).toBe(`EventBridge missed 2 events in s3://${BUCKET}/${KEY}`);
    expect(published.map((a) => a.id)).toEqual([out.missedAlert!.id]);
    // Reading the same file again finds the quarantined records by their own ids.
    const again = await reconcileLogFile(deps, { bucket: BUCKET, key: KEY, body: logFile([bad, 42]) });
    expect(again).toMatchObject({ archived: 2, recovered: 0, coverage: 'already', alerts: [] });
  });

  it('runs the detectors on recovered events and publishes their alerts with the missed-events one', async () => {
    const detectorAlert = (id: string): Alert => ({
      id: `drift.test:${id}`,
      kind: 'drift',
      rule: 'drift.test',
      severity: 'high',
      summary: `drift on ${id}`,
      principal: null,
      resource: null,
      account: '111122223333',
      eventTime: '2026-11-20T10:15:30Z',
      eventId: id,
      record: null,
      details: {},
    });
    const { chain, deps, published } = setup({ detect: async (r) => [detectorAlert(r.chain.id)] });
    const out = await reconcileLogFile(deps, { bucket: BUCKET, key: KEY, body: logFile([call('a'), call('b')]) });
    expect(published.map((a) => a.kind).sort()).toEqual(['drift', 'drift', 'missed-events']);
    expect(out.missedAlert?.details.missed).toBe(2);
    // The missed-events alert sits in the same batch as the last recovered event.
    const alertRecord = chain.records.find((r) => r.chain.kind === 'alert' && (r as AuditRecordOf<'alert'>).data.alert.kind === 'missed-events')!;
    const last = events(chain).at(-1)!;
    expect(out.missedAlert?.record).toEqual({ shard: last.chain.shard, seq: last.chain.seq });
    expect(alertRecord.chain.seq).toBeGreaterThan(last.chain.seq);
  });

  it('cites the hash CloudTrail recorded when the digest agrees, and alerts when it does not', async () => {
    const body = logFile([call('x')]);
    const sha = createHash('sha256').update(gunzipSync(body)).digest('hex');
    const digest = (hash: string): DigestLookup => ({ hashFor: async () => ({ sha256: hash, digestKey: 'AWSLogs/d.json.gz' }) });

    const good = setup();
    const ok = await reconcileLogFile(good.deps, { bucket: BUCKET, key: KEY, body }, { digest: digest(sha) });
    expect(ok).toMatchObject({ digest: 'verified', digestSha256: sha });
    expect(good.chain.records.find((r) => r.chain.kind === 'coverage')?.data).toMatchObject({ digestSha256: sha });

    const bad = setup();
    const tampered = await reconcileLogFile(bad.deps, { bucket: BUCKET, key: KEY, body }, { digest: digest('0'.repeat(64)) });
    expect(tampered).toMatchObject({ digest: 'mismatch', digestSha256: null });
    const alert = bad.published.find((a) => a.kind === 'trail-health')!;
    expect(alert).toMatchObject({ severity: 'critical', rule: 'reconcile.digest-mismatch', details: { actualSha256: sha, digestSha256: '0'.repeat(64) } });

    const none = setup();
    expect(await reconcileLogFile(none.deps, { bucket: BUCKET, key: KEY, body }, { digest: { hashFor: async () => null } })).toMatchObject({
      digest: 'not-listed',
    });
  });

  it('imports without alerts or coverage for local files (backfill)', async () => {
    const { chain, deps, published } = setup();
    const out = await reconcileLogFile(deps, { bucket: null, key: 'exports/day1.json.gz', body: logFile([call('a')]) }, { channel: 'backfill' });
    expect(out).toMatchObject({ recovered: 1, coverage: 'none', missedAlert: null });
    expect(published).toEqual([]);
    expect(chain.records.map((r) => r.chain.kind)).toEqual(['genesis', 'event']);
    expect(events(chain)[0].data.via).toEqual({ channel: 'backfill', logFile: 'exports/day1.json.gz' });
  });
});

describe('reconcileObjects', () => {
  function fakeTrail(objects: Record<string, Buffer>): TrailBucket {
    return Object.assign(Object.create(TrailBucket.prototype), {
      bucket: BUCKET,
      prefix: '',
      get: async (key: string) => {
        const b = objects[key];
        if (!b) throw new Error(`NoSuchKey ${key}`);
        return b;
      },
    });
  }

  it('raises one trail-health alert for a log file that cannot be read, and keeps going', async () => {
    const { chain, deps, published } = setup();
    const broken = KEY.replace('abcdefABCDEF0123', 'brokenbrokenbrok');
    const trail = fakeTrail({ [KEY]: logFile([call('a')]), [broken]: Buffer.from('this is not gzip or json') });
    const od = { ...deps, trail, settings: {} };
    const results = await reconcileObjects(od, [
      broken,
      KEY,
      'AWSLogs/111122223333/CloudTrail-Digest/eu-west-1/2026/11/20/x_CloudTrail-Digest_y_20261120T110000Z.json.gz',
    ]);
    expect(results.map((r) => r.status)).toEqual(['ignored', 'unreadable', 'reconciled']);
    const alerts = published.filter((a) => a.rule === 'reconcile.corrupt-log-file');
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ kind: 'trail-health', severity: 'critical', resource: `s3://${BUCKET}/${broken}` });
    // Tried again (the sweep), the same alert is not archived or sent twice.
    const again = await reconcileObjects(od, [broken]);
    expect(again[0]).toMatchObject({ status: 'unreadable', alert: null });
    expect(published.filter((a) => a.rule === 'reconcile.corrupt-log-file')).toHaveLength(1);
    expect(
      chain.records.filter((r) => r.chain.kind === 'alert' && (r as AuditRecordOf<'alert'>).data.alert.rule === 'reconcile.corrupt-log-file'),
    ).toHaveLength(1);
  });

  it('reports a file it could not fetch as failed without stopping the others', async () => {
    const { deps } = setup();
    const missing = KEY.replace('abcdefABCDEF0123', 'missingmissingmi');
    const results = await reconcileObjects({ ...deps, trail: fakeTrail({ [KEY]: logFile([call('a')]) }), settings: {} }, [missing, KEY]);
    expect(results.map((r) => r.status)).toEqual(['failed', 'reconciled']);
  });
});
