import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import { clientConfig } from '../../lib/aws/client-config';
import { RequestCounter } from '../../bench/cost/request-counter';
import { ENV } from '../../lib/contract/runtime-config';
import type { Alert } from '../../lib/core/alert';
import type { AuditRecord, AuditRecordOf } from '../../lib/core/record';
import { watchdogRuntime } from '../../lib/watchdog/runtime';
import { TrailDeliveries } from '../../lib/watchdog/trail-deliveries';
import { runWatchdog, WATCHDOG_SHARD } from '../../lib/watchdog/watchdog';
import { createTestArchive } from '../support/archive-env';
import { useMoto } from '../support/moto';

const ORG = 'o-abc123def4';
const TRAIL_BUCKET = 'org-trail-logs';
const [A, B, C, D] = ['111111111111', '222222222222', '333333333333', '444444444444'];
/** 00:03 UTC: the first watchdog run of the hour, and a 24-hour window that starts in yesterday's day folder. */
const NOW = new Date('2026-03-11T00:03:00Z');

const logKey = (account: string, region: string, stamp: string): string =>
  `AWSLogs/${ORG}/${account}/CloudTrail/${region}/${stamp.slice(0, 4)}/${stamp.slice(4, 6)}/${stamp.slice(6, 8)}/${account}_CloudTrail_${region}_${stamp}Z_${stamp.slice(-4)}x.json.gz`;

/**
 * Three accounts x two regions of an organization trail. A delivers (its
 * newest eu-west-1 file is from yesterday's folder, 23:55), B fell silent
 * everywhere a day and a half ago, C still delivers from eu-west-1 but not
 * from us-east-1. A also has a region folder nobody used for ten days.
 */
const KEYS = [
  logKey(A, 'eu-west-1', '20260309T1000'),
  logKey(A, 'eu-west-1', '20260310T2355'),
  logKey(A, 'us-east-1', '20260310T1200'),
  logKey(A, 'ap-south-1', '20260301T1000'),
  logKey(B, 'eu-west-1', '20260309T1200'),
  logKey(B, 'eu-west-1', '20260309T2355'),
  logKey(B, 'us-east-1', '20260309T2350'),
  logKey(C, 'eu-west-1', '20260310T1800'),
  logKey(C, 'us-east-1', '20260309T2000'),
  `AWSLogs/${ORG}/${C}/CloudTrail-Digest/us-east-1/2026/03/10/${C}_CloudTrail-Digest_us-east-1_org_us-east-1_20260310T120000Z.json.gz`,
];

async function watchdogRecords(a: Awaited<ReturnType<typeof createTestArchive>>): Promise<AuditRecord[]> {
  const out: AuditRecord[] = [];
  for await (const o of a.source.list(`records/shard=${WATCHDOG_SHARD}/`)) {
    for (const line of (await a.source.get(o.key)).toString('utf8').split('\n').filter(Boolean)) out.push(JSON.parse(line));
  }
  return out;
}

describe('watchdog: deliveries per account and region of an organization trail, on moto', () => {
  const moto = useMoto();

  beforeAll(async () => {
    const s3 = new S3Client(clientConfig(moto.target));
    await s3.send(new CreateBucketCommand({ Bucket: TRAIL_BUCKET }));
    for (const Key of KEYS) await s3.send(new PutObjectCommand({ Bucket: TRAIL_BUCKET, Key, Body: '{}' }));
  });

  it('alerts on the silent account, the silent region and the expected account that never delivered, once per hour', async () => {
    const a = await createTestArchive(moto.target);
    const env = {
      [ENV.table]: a.table,
      [ENV.archiveBucket]: a.bucket,
      [ENV.origin]: a.origin,
      [ENV.trailBucket]: TRAIL_BUCKET,
      [ENV.expectedAccounts]: JSON.stringify([A, D]),
    };
    const runtime = watchdogRuntime(env, moto.target);
    expect(runtime.deliveries).toMatchObject({ expected: [A, D], silenceHours: 24 });
    // The same reader on a client whose requests are counted, to check the documented count.
    const counter = new RequestCounter();
    const s3 = new S3Client(clientConfig(moto.target));
    counter.attach(s3);
    const published: Alert[] = [];
    const deps = {
      ...runtime,
      deliveries: { ...runtime.deliveries!, reader: new TrailDeliveries(s3, TRAIL_BUCKET) },
      alerts: { deliver: async (batches: readonly { alerts: readonly Alert[] }[]) => void published.push(...batches.flatMap((b) => b.alerts)) },
    };

    const first = await runWatchdog({ ...deps, clock: () => NOW });
    expect(first.findings.map((f) => [f.check, f.resource])).toEqual([
      ['account-silent', D],
      ['account-silent', B],
      ['region-silent', C],
    ]);
    const [never, silentB, regionC] = first.findings;
    expect(never.details).toMatchObject({ expected: true, newestFileTime: null, regions: [] });
    expect(silentB.details).toMatchObject({
      newestFileTime: '2026-03-09T23:55:00Z',
      regions: [
        { region: 'eu-west-1', newest: '2026-03-09T23:55:00Z' },
        { region: 'us-east-1', newest: '2026-03-09T23:50:00Z' },
      ],
    });
    expect(regionC.details).toMatchObject({ regions: [{ region: 'us-east-1', newest: '2026-03-09T20:00:00Z' }], delivering: ['eu-west-1'] });
    expect(first.alerts.map((x) => [x.id, x.resource, x.severity])).toEqual([
      [`trail-health:account-silent:${D}:2026-03-11T00`, D, 'high'],
      [`trail-health:account-silent:${B}:2026-03-11T00`, B, 'high'],
      [`trail-health:region-silent:${C}:2026-03-11T00`, C, 'high'],
    ]);
    expect(published.map((x) => x.id)).toEqual(first.alerts.map((x) => x.id));

    // 1 AWSLogs/ + 1 organization folder + 3 account folders + 7 region probes
    // + 4 listings of regions with nothing in 24 hours (B x2, C us-east-1, A's unused ap-south-1).
    expect(first.deliveries).toEqual({ accounts: 4, requests: 16 });
    expect(counter.counts()).toEqual([{ service: 'S3', operation: 'ListObjectsV2', requests: 16, errors: 0 }]);

    const records = await watchdogRecords(a);
    const alerts = records.filter((r) => r.chain.kind === 'alert').map((r) => (r as AuditRecordOf<'alert'>).data.alert);
    expect(alerts.map((x) => x.id)).toEqual(first.alerts.map((x) => x.id));

    // The same hour: the findings stand, nothing new is committed or published.
    const second = await runWatchdog({ ...deps, clock: () => new Date(NOW.getTime() + 60_000) });
    expect(second.findings).toHaveLength(3);
    expect(second.alerts).toEqual([]);
    expect(await watchdogRecords(a)).toHaveLength(records.length);
    expect(published).toHaveLength(3);

    // Later in the hour the runtime's check is not due: no listing at all.
    counter.reset();
    const later = await runWatchdog({ ...deps, clock: () => new Date(NOW.getTime() + 20 * 60_000) });
    expect(later.findings).toEqual([]);
    expect(later.deliveries).toBeUndefined();
    expect(counter.total()).toBe(0);
  });

  it('reports an unreadable trail bucket as coverage unknown', async () => {
    const a = await createTestArchive(moto.target);
    const runtime = watchdogRuntime(
      { [ENV.table]: a.table, [ENV.archiveBucket]: a.bucket, [ENV.origin]: a.origin, [ENV.trailBucket]: 'no-such-trail-bucket' },
      moto.target,
    );
    const out = await runWatchdog({ ...runtime, alerts: { deliver: async () => {} }, clock: () => NOW });
    expect(out.findings.map((f) => [f.check, f.resource])).toEqual([['coverage-unknown', 'no-such-trail-bucket']]);
    expect(out.findings[0].summary).toContain('NoSuchBucket');
    expect(out.alerts).toHaveLength(1);
  });
});
