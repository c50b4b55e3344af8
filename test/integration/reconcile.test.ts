import { randomUUID } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import { claimOf } from '../../lib/core/id-claims';
import { AlertOutbox } from '../../lib/aws/alert-outbox';
import { clientConfig } from '../../lib/aws/client-config';
import { ENV } from '../../lib/contract/runtime-config';
import { liveHeads } from '../../lib/aws/live-heads';
import type { Alert } from '../../lib/core/alert';
import { trustedKeyFromPem } from '../../lib/core/checkpoint';
import type { JsonObject } from '../../lib/core/json';
import type { AuditRecord } from '../../lib/core/record';
import { alertRecordId } from '../../lib/commit/commit';
import { ingestSqsBatch } from '../../lib/ingest/sqs-batch';
import { captureRouter } from '../../lib/cloudtrail/capture';
import { BucketDigestLookup } from '../../lib/cloudtrail/digest';
import { readLogFile } from '../../lib/cloudtrail/log-file';
import { coverageRecordId, reconcileLogFile } from '../../lib/cloudtrail/reconcile';
import { reconcileObjects, sweepRecent, type ObjectReconcileDeps } from '../../lib/cloudtrail/reconcile-objects';
import { reconcileRuntime } from '../../lib/cloudtrail/runtime';
import { parseTrailKey } from '../../lib/contract/key-layout';
import { TrailBucket } from '../../lib/cloudtrail/trail-bucket';
import { verifyArchive } from '../../lib/verify/verify-archive';
import { watchdogRuntime } from '../../lib/watchdog/runtime';
import { runWatchdog } from '../../lib/watchdog/watchdog';
import { createTestArchive, type TestArchive } from '../support/archive-env';
import { sqsEvent, sqsMessage } from '../support/events';
import { useMoto } from '../support/moto';
import { fixtureBody, manifest } from '../unit/cloudtrail/fixtures';

type Rec = JsonObject & { eventID: string; eventName: string; eventType: string; readOnly?: boolean };

/** The fixture files as parsed, in manifest order. */
const files = manifest.files.map((f) => ({ key: f.key, sha256: f.sha256, records: readLogFile(fixtureBody(f.key)).records as Rec[] }));

// Every fixture record carries a readOnly flag, so "what the stack captures by
// default" is simply: write API calls and console sign-ins.
const isCaptured = (r: Rec): boolean => r.readOnly === false && (r.eventType === 'AwsApiCall' || r.eventType === 'AwsConsoleSignIn');
const capturedIds = [...new Set(files.flatMap((f) => f.records.filter(isCaptured).map((r) => r.eventID)))];
const digestListed = new Set(
  (JSON.parse(gunzipSync(fixtureBody(manifest.digest)).toString('utf8')) as { logFiles: { s3Object: string }[] }).logFiles.map((l) => l.s3Object),
);
const readOnlyIds = files.flatMap((f) => f.records.filter((r) => r.readOnly === true).map((r) => r.eventID));

/** Events EventBridge did deliver; the rest of the captured ones it "missed". */
const DELIVERED = new Set(['StartInstances', 'DeleteLoginProfile', 'CreateLoginProfile', 'ConsoleLogin', 'CreateTags', 'PutFoundationModelEntitlement']);

function envelope(r: Rec) {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': r.eventType === 'AwsConsoleSignIn' ? 'AWS Console Sign In via CloudTrail' : 'AWS API Call via CloudTrail',
    source: `aws.${String(r.eventSource).split('.')[0]}`,
    account: r.recipientAccountId,
    time: r.eventTime,
    region: r.awsRegion,
    resources: [],
    detail: r,
  };
}

async function archivedRecords(a: TestArchive): Promise<AuditRecord[]> {
  const out: AuditRecord[] = [];
  for await (const o of a.source.list('records/')) {
    for (const line of (await a.source.get(o.key)).toString('utf8').split('\n').filter(Boolean)) out.push(JSON.parse(line));
  }
  return out;
}

const eventIdOfRecord = (r: AuditRecord): string | null => (r.chain.kind === 'event' ? (r.data as { event: { eventId: string } }).event.eventId : null);

describe('reconcile against the trail log files on moto', () => {
  const moto = useMoto();
  let s3: S3Client;

  beforeAll(async () => {
    s3 = new S3Client(clientConfig(moto.target));
    // The bucket the fixture digest names, so CloudTrail's hashes can be checked.
    await s3.send(new CreateBucketCommand({ Bucket: manifest.trailBucket }));
    for (const key of [...manifest.files.map((f) => f.key), manifest.digest]) {
      await s3.send(new PutObjectCommand({ Bucket: manifest.trailBucket, Key: key, Body: fixtureBody(key) }));
    }
  });

  async function setup() {
    const a = await createTestArchive(moto.target);
    const published: Alert[] = [];
    const deps: ObjectReconcileDeps = {
      ...a.commitDeps(),
      alerts: {
        // An alert is archived before anyone hears of it.
        deliver: async (batches) => {
          const alerts = batches.flatMap((b) => b.alerts);
          const archived = await a.store.committed(
            'api',
            alerts.map((x) => claimOf({ kind: 'alert', id: alertRecordId(x), data: { alert: x } })),
          );
          for (const x of alerts) expect(archived.has(alertRecordId(x)), x.id).toBe(true);
          published.push(...alerts);
        },
      },
      trail: new TrailBucket(s3, manifest.trailBucket),
      settings: { route: captureRouter({ captureReadOnly: false }), coverageShard: 'api' },
      digests: () => new BucketDigestLookup(new TrailBucket(s3, manifest.trailBucket)),
    };
    return { a, deps, published };
  }

  async function deliverThroughEventBridge(a: TestArchive): Promise<string[]> {
    const delivered = files.flatMap((f) => f.records).filter((r) => isCaptured(r) && DELIVERED.has(r.eventName));
    const { response } = await ingestSqsBatch(
      { ...a.commitDeps(), alerts: { deliver: async () => {} } },
      sqsEvent(delivered.map((r) => sqsMessage(envelope(r), 'api'))),
    );
    expect(response.batchItemFailures).toEqual([]);
    return delivered.map((r) => r.eventID);
  }

  it('archives every captured event exactly once, skips read-only ones, counts coverage and alerts once per file with misses', async () => {
    const { a, deps, published } = await setup();
    const delivered = await deliverThroughEventBridge(a);
    expect(delivered.length).toBeGreaterThan(0);
    expect(delivered.length).toBeLessThan(capturedIds.length);

    const results = await reconcileObjects(deps, [...manifest.files.map((f) => f.key), manifest.digest]);
    expect(results.find((r) => r.key === manifest.digest)).toMatchObject({ status: 'ignored' });
    expect(results.filter((r) => r.status === 'reconciled')).toHaveLength(files.length);

    const records = await archivedRecords(a);
    const eventIds = records.map(eventIdOfRecord).filter((x): x is string => x !== null);
    expect(eventIds.sort()).toEqual([...capturedIds].sort());
    for (const id of readOnlyIds) expect(eventIds).not.toContain(id);
    // What EventBridge missed is marked as recovered from the file that held it.
    for (const r of records.filter((x) => x.chain.kind === 'event')) {
      const via = (r.data as { via: { channel: string; logFile: string | null } }).via;
      const id = eventIdOfRecord(r)!;
      if (delivered.includes(id)) expect(via).toEqual({ channel: 'eventbridge', logFile: null });
      else {
        expect(via.channel).toBe('trail-log');
        expect(files.find((f) => f.key === via.logFile)?.records.some((x) => x.eventID === id)).toBe(true);
      }
    }

    // Coverage: one record per file, with the counts the file implies.
    const coverage = records.filter((r) => r.chain.kind === 'coverage');
    expect(coverage.map((r) => r.chain.id).sort()).toEqual(files.map((f) => coverageRecordId(manifest.trailBucket, f.key)).sort());
    const seen = new Set(delivered);
    const missedPerFile = new Map<string, number>();
    for (const f of files) {
      const captured = [...new Set(f.records.filter(isCaptured).map((r) => r.eventID))];
      const missed = captured.filter((id) => !seen.has(id));
      missed.forEach((id) => seen.add(id));
      missedPerFile.set(f.key, missed.length);
      const c = coverage.find((r) => r.chain.id === coverageRecordId(manifest.trailBucket, f.key))!;
      expect(c.data, f.key).toEqual({
        logFile: f.key,
        total: f.records.length,
        archived: f.records.filter(isCaptured).length - missed.length,
        recovered: missed.length,
        skipped: f.records.filter((r) => !isCaptured(r)).length,
        // Files the fixture digest lists: CloudTrail vouched for their hash.
        digestSha256: digestListed.has(f.key) ? f.sha256 : null,
        // The account and region folders the file sits in.
        account: parseTrailKey(f.key)!.account,
        region: parseTrailKey(f.key)!.region,
      });
    }

    // Exactly one missed-events alert per file that had misses, naming the number, archived and published.
    const alertRecords = records.filter((r) => r.chain.kind === 'alert').map((r) => (r.data as { alert: Alert }).alert);
    const missedAlerts = alertRecords.filter((x) => x.kind === 'missed-events');
    const filesWithMisses = [...missedPerFile].filter(([, n]) => n > 0);
    expect(filesWithMisses.length).toBeGreaterThan(1);
    expect(missedAlerts.map((x) => x.resource).sort()).toEqual(filesWithMisses.map(([k]) => `s3://${manifest.trailBucket}/${k}`).sort());
    for (const [key, n] of filesWithMisses) {
      const alert = missedAlerts.find((x) => x.resource === `s3://${manifest.trailBucket}/${key}`)!;
      expect(alert.summary).toBe(`EventBridge missed ${n} event${n === 1 ? '' : 's'} in s3://${manifest.trailBucket}/${key}`);
      expect(alert.details.missed).toBe(n);
      // It points at a recovered record of that file.
      const at = records.find((r) => r.chain.shard === alert.record!.shard && r.chain.seq === alert.record!.seq)!;
      expect((at.data as { via: { logFile: string } }).via.logFile).toBe(key);
    }
    expect(
      published
        .filter((x) => x.kind === 'missed-events')
        .map((x) => x.id)
        .sort(),
    ).toEqual(missedAlerts.map((x) => x.id).sort());

    const report = await verifyArchive(a.source, {
      keys: [trustedKeyFromPem(a.origin, a.signer.publicKeyPem())],
      checkDuplicates: true,
      heads: await liveHeads(a.store),
    });
    expect(report.problems).toEqual([]);
    expect(report.ok).toBe(true);
  });

  it('changes nothing when run again, by notification or by reading a file again', async () => {
    const { a, deps, published } = await setup();
    await deliverThroughEventBridge(a);
    await reconcileObjects(
      deps,
      manifest.files.map((f) => f.key),
    );
    const before = await archivedRecords(a);
    const sent = published.length;

    const again = await reconcileObjects(
      deps,
      manifest.files.map((f) => f.key),
    );
    expect(again.map((r) => r.status)).toEqual(manifest.files.map(() => 'already-covered'));
    // Even read and reconciled in full, a file finds everything archived already.
    const direct = await reconcileLogFile(deps, { bucket: manifest.trailBucket, key: files[0].key, body: fixtureBody(files[0].key) });
    expect(direct).toMatchObject({ recovered: 0, coverage: 'already', missedAlert: null, alerts: [], committed: [] });
    expect(direct.archived + direct.skipped).toBe(direct.total);

    expect(await archivedRecords(a)).toEqual(before);
    expect(published).toHaveLength(sent);
  });

  it('sweeps the recent hours for files no notification reconciled, one index read per covered file', async () => {
    const { a, deps } = await setup();
    const [first, second, third] = manifest.files;
    await reconcileObjects(deps, [first.key]);
    const swept = await sweepRecent(deps, { now: new Date('2024-08-01T14:00:00Z'), hours: 3 });
    // The window holds the three files delivered on 2024-08-01 between 11:00 and 14:00, nothing else.
    expect(swept.map((r) => [r.key, r.status])).toEqual([
      [third.key, 'reconciled'],
      [first.key, 'already-covered'],
      [second.key, 'reconciled'],
    ]);
    const org = await sweepRecent(deps, { now: new Date('2024-10-17T21:00:00Z'), hours: 2 });
    expect(org.map((r) => [r.key, r.status])).toEqual([[manifest.files[5].key, 'reconciled']]);
    expect(manifest.files[5].key).toContain('/o-aa111bb222cc/');
    const coverage = (await archivedRecords(a)).filter((r) => r.chain.kind === 'coverage');
    expect(coverage).toHaveLength(4);
  });

  it('builds its settings from the handler environment', async () => {
    const a = await createTestArchive(moto.target);
    const env = {
      [ENV.table]: a.table,
      [ENV.archiveBucket]: a.bucket,
      [ENV.origin]: a.origin,
      [ENV.trailBucket]: manifest.trailBucket,
      [ENV.trailPrefix]: '',
      [ENV.captureReadOnly]: 'true',
      [ENV.shardPlan]: JSON.stringify([{ shard: 'calls', family: 'api' }]),
      [ENV.alertTopicArn]: 'arn:aws:sns:us-east-1:123456789012:no-such-topic',
    };
    const { deps } = await reconcileRuntime(env, moto.target);
    const errors: string[] = [];
    const [result] = await reconcileObjects({ ...deps, onError: (stage) => void errors.push(stage) }, [manifest.files[2].key]);
    expect(result.status).toBe('reconciled');
    // Read-only calls captured too, chained in the plan's API shard.
    const records = await archivedRecords(a);
    expect(
      records
        .filter((r) => r.chain.kind === 'event')
        .map(eventIdOfRecord)
        .sort(),
    ).toEqual(files[2].records.map((r) => r.eventID).sort());
    expect(new Set(records.map((r) => r.chain.shard))).toEqual(new Set(['calls']));
    // The topic does not exist, so publishing failed: the alert stays in the outbox for the seal's sweep.
    expect(errors).toEqual(['alerts']);
    const pending = await new AlertOutbox(a.ddb, a.table, { publishAll: async () => [] }, a.source).pending();
    // The file's CreateLoginProfile for another user raises rules/immutrail's login-profile rule too.
    expect(pending.map((x) => [x.kind, x.resource]).sort()).toEqual([
      ['missed-events', `s3://${manifest.trailBucket}/${manifest.files[2].key}`],
      ['sigma', 'stratus-red-team-login-profile-user'],
    ]);
  });

  it('feeds the watchdog: silence is measured from the heads commits move', async () => {
    const { a, deps } = await setup();
    await reconcileObjects(deps, [manifest.files[0].key]);
    const env = { [ENV.table]: a.table, [ENV.archiveBucket]: a.bucket, [ENV.origin]: a.origin, [ENV.silenceMinutes]: '30' };
    const watchdog = watchdogRuntime(env, moto.target);
    const activity = await watchdog.activity.activity();
    expect(activity.map((x) => x.shard)).toEqual(['api']);
    const last = Date.parse(activity[0].time!);
    expect((await runWatchdog({ ...watchdog, clock: () => new Date(last + 29 * 60_000) })).findings).toEqual([]);
    const silent = await runWatchdog({ ...watchdog, clock: () => new Date(last + 45 * 60_000) });
    expect(silent.alerts.map((x) => [x.kind, x.details.shard])).toEqual([['silence', 'api']]);
    const records = await archivedRecords(a);
    expect(records.filter((r) => r.chain.shard === 'watchdog').map((r) => r.chain.kind)).toEqual(['genesis', 'alert']);
    const report = await verifyArchive(a.source, {
      keys: [trustedKeyFromPem(a.origin, a.signer.publicKeyPem())],
      checkDuplicates: true,
      heads: await liveHeads(a.store),
    });
    expect(report.ok).toBe(true);
  });
});
