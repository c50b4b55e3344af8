import {
  CloudTrailClient,
  GetEventSelectorsCommand,
  GetTrailCommand,
  GetTrailStatusCommand,
  TrailNotFoundException,
  type GetEventSelectorsResponse,
  type Trail,
} from '@aws-sdk/client-cloudtrail';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import type { Alert } from '../../../lib/core/alert';
import type { BatchAlerts } from '../../../lib/core/alert';
import { fetchTrailFacts, trailFindings } from '../../../lib/watchdog/trail-checks';
import { runWatchdog, WATCHDOG_SHARD } from '../../../lib/watchdog/watchdog';
import { MemoryChain } from './memory-chain';

const ARN = 'arn:aws:cloudtrail:eu-west-1:111122223333:trail/org-trail';
const HEALTHY_TRAIL: Trail = {
  Name: 'org-trail',
  TrailARN: ARN,
  HomeRegion: 'eu-west-1',
  IsMultiRegionTrail: true,
  LogFileValidationEnabled: true,
  S3BucketName: 'trail-bucket',
};
const ALL_MANAGEMENT: GetEventSelectorsResponse = {
  TrailARN: ARN,
  EventSelectors: [{ ReadWriteType: 'All', IncludeManagementEvents: true, DataResources: [] }],
};

const ct = mockClient(CloudTrailClient);
afterEach(() => ct.reset());

function trail(opts: { trail?: Partial<Trail>; logging?: boolean; selectors?: GetEventSelectorsResponse } = {}): void {
  ct.on(GetTrailCommand).resolves({ Trail: { ...HEALTHY_TRAIL, ...opts.trail } });
  ct.on(GetTrailStatusCommand).resolves({
    IsLogging: opts.logging ?? true,
    StopLoggingTime: opts.logging === false ? new Date('2026-03-11T09:00:00Z') : undefined,
  });
  ct.on(GetEventSelectorsCommand).resolves(opts.selectors ?? ALL_MANAGEMENT);
}

async function findings() {
  return trailFindings(await fetchTrailFacts(new CloudTrailClient({ region: 'eu-west-1' }), 'org-trail'));
}

const checks = async () => (await findings()).map((f) => [f.check, f.severity]);

describe('trail checks (CloudTrail mocked)', () => {
  it('finds nothing wrong with a healthy trail', async () => {
    trail();
    expect(await findings()).toEqual([]);
    // Status and selectors are asked of the trail's ARN, which works from any region.
    expect(ct.commandCalls(GetTrailStatusCommand)[0].args[0].input).toEqual({ Name: ARN });
    expect(ct.commandCalls(GetEventSelectorsCommand)[0].args[0].input).toEqual({ TrailName: ARN });
  });

  it('reports a missing trail', async () => {
    ct.on(GetTrailCommand).rejects(new TrailNotFoundException({ message: 'Unknown trail', $metadata: {} }));
    const f = await findings();
    expect(f.map((x) => [x.check, x.severity])).toEqual([['trail-missing', 'critical']]);
    expect(f[0].summary).toContain('org-trail');
    expect(ct.commandCalls(GetTrailStatusCommand)).toHaveLength(0);
  });

  it('reports a trail that cannot be read at all (permissions taken away)', async () => {
    ct.on(GetTrailCommand).rejects(Object.assign(new Error('User is not authorized to perform: cloudtrail:GetTrail'), { name: 'AccessDeniedException' }));
    const f = await findings();
    expect(f.map((x) => x.check)).toEqual(['trail-unknown']);
    expect(f[0].summary).toContain('AccessDeniedException');
  });

  it('reports a trail that stopped logging', async () => {
    trail({ logging: false });
    expect(await checks()).toEqual([['not-logging', 'critical']]);
    expect((await findings())[0].details.stopLoggingTime).toBe('2026-03-11T09:00:00.000Z');
  });

  it('reports a single-region trail', async () => {
    trail({ trail: { IsMultiRegionTrail: false } });
    expect(await checks()).toEqual([['single-region', 'critical']]);
  });

  it('reports log file validation turned off', async () => {
    trail({ trail: { LogFileValidationEnabled: false } });
    expect(await checks()).toEqual([['validation-off', 'critical']]);
  });

  it('reports basic selectors that no longer log management write events', async () => {
    trail({ selectors: { EventSelectors: [{ ReadWriteType: 'ReadOnly', IncludeManagementEvents: true }] } });
    expect(await checks()).toEqual([['selectors', 'critical']]);
    trail({
      selectors: {
        EventSelectors: [{ ReadWriteType: 'All', IncludeManagementEvents: false, DataResources: [{ Type: 'AWS::S3::Object', Values: ['arn:aws:s3'] }] }],
      },
    });
    expect(await checks()).toEqual([['selectors', 'critical']]);
    trail({ selectors: {} });
    expect(await checks()).toEqual([['selectors', 'critical']]);
    // Defaults (fields absent) log everything; a second selector can restore coverage.
    trail({ selectors: { EventSelectors: [{ ReadWriteType: 'ReadOnly' }, {}] } });
    expect(await checks()).toEqual([]);
  });

  it('reports management event sources left out as partial coverage', async () => {
    trail({
      selectors: { EventSelectors: [{ ReadWriteType: 'WriteOnly', IncludeManagementEvents: true, ExcludeManagementEventSources: ['kms.amazonaws.com'] }] },
    });
    const f = await findings();
    expect(f.map((x) => [x.check, x.severity])).toEqual([['selectors', 'high']]);
    expect(f[0].details.exclusions).toEqual(['kms.amazonaws.com']);
  });

  it('reads advanced event selectors', async () => {
    const mgmt = (extra: { Field: string; Equals?: string[]; NotEquals?: string[] }[] = []) => ({
      AdvancedEventSelectors: [{ Name: 'm', FieldSelectors: [{ Field: 'eventCategory', Equals: ['Management'] }, ...extra] }],
    });
    trail({ selectors: mgmt() });
    expect(await checks()).toEqual([]);
    trail({ selectors: mgmt([{ Field: 'readOnly', Equals: ['false'] }]) });
    expect(await checks()).toEqual([]);
    trail({ selectors: mgmt([{ Field: 'readOnly', Equals: ['true'] }]) });
    expect(await checks()).toEqual([['selectors', 'critical']]);
    trail({
      selectors: {
        AdvancedEventSelectors: [
          {
            Name: 'data only',
            FieldSelectors: [
              { Field: 'eventCategory', Equals: ['Data'] },
              { Field: 'resources.type', Equals: ['AWS::S3::Object'] },
            ],
          },
        ],
      },
    });
    expect(await checks()).toEqual([['selectors', 'critical']]);
    trail({ selectors: mgmt([{ Field: 'eventSource', NotEquals: ['kms.amazonaws.com', 'rdsdata.amazonaws.com'] }]) });
    const f = await findings();
    expect(f.map((x) => [x.check, x.severity])).toEqual([['selectors', 'high']]);
    expect(f[0].details.exclusions).toEqual(['kms.amazonaws.com', 'rdsdata.amazonaws.com']);
  });

  it('reports every problem at once', async () => {
    trail({
      logging: false,
      trail: { IsMultiRegionTrail: false, LogFileValidationEnabled: false },
      selectors: { EventSelectors: [{ IncludeManagementEvents: false }] },
    });
    expect((await checks()).map(([c]) => c)).toEqual(['not-logging', 'single-region', 'validation-off', 'selectors']);
  });
});

describe('runWatchdog', () => {
  function setup(now: () => Date) {
    const chain = new MemoryChain();
    const published: Alert[][] = [];
    const deps = {
      store: chain,
      archive: chain,
      origin: 'immutrail.test/watchdog',
      clock: now,
      trail: { client: new CloudTrailClient({ region: 'eu-west-1' }), name: 'org-trail' },
      activity: chain,
      silenceMinutes: 60,
      alerts: { deliver: async (b: readonly BatchAlerts[]) => void published.push(b.flatMap((x) => x.alerts)) },
    };
    return { chain, published, deps };
  }

  it('commits and publishes nothing when the trail is healthy and events flow', async () => {
    trail();
    const { chain, published, deps } = setup(() => new Date('2026-03-11T10:00:00Z'));
    const out = await runWatchdog(deps);
    expect(out).toEqual({ findings: [], alerts: [] });
    expect(chain.records).toEqual([]);
    expect(published).toEqual([]);
  });

  it('archives each failure as an alert record before publishing it, once per hour', async () => {
    trail({ logging: false });
    let now = new Date('2026-03-11T10:05:00Z');
    const { chain, published, deps } = setup(() => now);
    const first = await runWatchdog(deps);
    expect(first.alerts.map((a) => [a.kind, a.rule, a.severity])).toEqual([['trail-health', 'watchdog.not-logging', 'critical']]);
    expect(chain.records.map((r) => [r.chain.shard, r.chain.kind])).toEqual([
      [WATCHDOG_SHARD, 'genesis'],
      [WATCHDOG_SHARD, 'alert'],
    ]);
    expect(published).toEqual([first.alerts]);
    // Five minutes later, same hour: found again, but not archived or sent again.
    now = new Date('2026-03-11T10:10:00Z');
    const again = await runWatchdog(deps);
    expect(again.findings).toHaveLength(1);
    expect(again.alerts).toEqual([]);
    expect(published).toHaveLength(1);
    // Next hour: a new record, so a lasting failure keeps showing in the archive.
    now = new Date('2026-03-11T11:00:00Z');
    const later = await runWatchdog(deps);
    expect(later.alerts).toHaveLength(1);
    expect(later.alerts[0].id).not.toBe(first.alerts[0].id);
    expect(chain.records.filter((r) => r.chain.kind === 'alert')).toHaveLength(2);
  });

  it('raises silence when no shard but its own has committed for silenceMinutes', async () => {
    trail();
    let now = new Date('2026-03-11T10:00:00Z');
    const { chain, deps } = setup(() => now);
    chain.heads.set('api', { shard: 'api', seq: 4, hash: 'h', frontier: { size: 5, hashes: [] }, time: '2026-03-11T09:30:00.000Z' });
    expect((await runWatchdog(deps)).findings).toEqual([]);
    now = new Date('2026-03-11T10:31:00Z');
    const out = await runWatchdog(deps);
    expect(out.alerts.map((a) => [a.kind, a.severity])).toEqual([['silence', 'high']]);
    expect(out.alerts[0].summary).toContain('61 minutes');
    expect(out.alerts[0].details).toMatchObject({ lastCommitAt: '2026-03-11T09:30:00.000Z', shard: 'api', silenceMinutes: 60 });
    // The silence alert itself moved the watchdog shard's head: that is not activity.
    now = new Date('2026-03-11T11:01:00Z');
    expect((await runWatchdog(deps)).alerts.map((a) => a.kind)).toEqual(['silence']);
  });

  it('does not call an archive silent before it has any event', async () => {
    const { deps } = setup(() => new Date('2026-03-11T10:00:00Z'));
    const out = await runWatchdog({ ...deps, trail: undefined });
    expect(out.findings).toEqual([]);
  });
});
