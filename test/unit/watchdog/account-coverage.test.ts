import { describe, expect, it } from 'vitest';
import { accountCoverageFindings, accountsToCheck, mergeRegions, type AccountDeliveries, type RegionDelivery } from '../../../lib/watchdog/account-coverage';
import { runDeliveryCheck } from '../../../lib/watchdog/delivery-check';
import { deliveryCheckDue, deliveryWindow, logFilesSinceKey } from '../../../lib/contract/delivery-window';
import type { DeliveriesReader } from '../../../lib/watchdog/trail-deliveries';
import { watchdogAlert } from '../../../lib/watchdog/watchdog';

const NOW = new Date('2026-03-11T10:02:00Z');
const S = { expected: [] as string[], silenceHours: 24, maxAccounts: 200, now: NOW };
const A = '111111111111';
const B = '222222222222';
const C = '333333333333';
const delivering = (region: string): RegionDelivery => ({ region, state: 'delivering' });
const silent = (region: string, newest: string): RegionDelivery => ({ region, state: 'silent', newest });
const stale = (region: string): RegionDelivery => ({ region, state: 'stale' });
const findings = (accounts: AccountDeliveries[], settings: Partial<typeof S> = {}, unchecked: string[] = []) =>
  accountCoverageFindings({ accounts, unchecked, requests: 0 }, { ...S, ...settings });

describe('account coverage findings (pure)', () => {
  it('finds nothing wrong with an organization whose accounts all deliver (a stale region folder is not a finding)', () => {
    const f = findings([
      { account: A, regions: [delivering('eu-west-1'), delivering('us-east-1')] },
      { account: B, regions: [delivering('eu-west-1'), stale('ap-east-1')] },
    ]);
    expect(f).toEqual([]);
  });

  it('reports an account seen yesterday that delivered nothing for the silence window, with its regions and newest file', () => {
    const f = findings([
      { account: A, regions: [delivering('eu-west-1')] },
      { account: B, regions: [silent('eu-west-1', '2026-03-10T08:55:00Z'), silent('us-east-1', '2026-03-10T09:05:00Z'), stale('ap-east-1')] },
    ]);
    expect(f.map((x) => [x.check, x.severity, x.resource])).toEqual([['account-silent', 'high', B]]);
    expect(f[0].summary).toBe(`account ${B} delivered no CloudTrail log file for 24 hours (newest 2026-03-10T09:05:00Z); the limit is 24 hours`);
    expect(f[0].details).toEqual({
      account: B,
      expected: false,
      newestFileTime: '2026-03-10T09:05:00Z',
      regions: [
        { region: 'ap-east-1', newest: null },
        { region: 'eu-west-1', newest: '2026-03-10T08:55:00Z' },
        { region: 'us-east-1', newest: '2026-03-10T09:05:00Z' },
      ],
      silenceHours: 24,
    });
  });

  it('reports a region that fell silent in an account that still delivers, naming only the silent regions', () => {
    const f = findings([{ account: A, regions: [delivering('eu-west-1'), silent('us-east-1', '2026-03-10T07:00:00Z'), stale('sa-east-1')] }]);
    expect(f.map((x) => [x.check, x.severity, x.resource])).toEqual([['region-silent', 'high', A]]);
    expect(f[0].summary).toContain('us-east-1 (newest 2026-03-10T07:00:00Z)');
    expect(f[0].details).toMatchObject({
      regions: [{ region: 'us-east-1', newest: '2026-03-10T07:00:00Z' }],
      delivering: ['eu-west-1'],
      newestFileTime: '2026-03-10T07:00:00Z',
    });
  });

  it('reports an expected account that never appears in the trail bucket, and one silent for longer than the seen window', () => {
    const f = findings(
      [
        { account: A, regions: [delivering('eu-west-1')] },
        { account: B, regions: [] },
        { account: C, regions: [stale('eu-west-1')] },
      ],
      { expected: [A, B, C] },
    );
    expect(f.map((x) => [x.check, x.resource, x.details.expected])).toEqual([
      ['account-silent', B, true],
      ['account-silent', C, true],
    ]);
    expect(f[0].summary).toBe(`expected account ${B} delivered no CloudTrail log file at all: the trail bucket has no folder for it; the limit is 24 hours`);
    expect(f[1].summary).toContain('for more than 48 hours');
    expect(f[1].details.newestFileTime).toBeNull();
  });

  it('does not report an account silent for longer than the seen window that is not expected (it may have left)', () => {
    expect(findings([{ account: C, regions: [stale('eu-west-1'), stale('us-east-1')] }])).toEqual([]);
  });

  it('merges an account delivering in two folders (its own trail and the organization trail)', () => {
    expect(
      mergeRegions([silent('eu-west-1', '2026-03-10T01:00:00Z'), delivering('eu-west-1'), stale('us-east-1'), silent('us-east-1', '2026-03-10T02:00:00Z')]),
    ).toEqual([delivering('eu-west-1'), silent('us-east-1', '2026-03-10T02:00:00Z')]);
    expect(mergeRegions([silent('eu-west-1', '2026-03-10T01:00:00Z'), silent('eu-west-1', '2026-03-10T03:00:00Z')])).toEqual([
      silent('eu-west-1', '2026-03-10T03:00:00Z'),
    ]);
  });

  it('checks expected accounts first, caps the rest and reports the accounts left unchecked', () => {
    expect(accountsToCheck([C, A, B], [C], 2)).toEqual({ check: [C, A], unchecked: [B] });
    expect(accountsToCheck([A], [B], 5)).toEqual({ check: [B, A], unchecked: [] });
    const f = findings([{ account: A, regions: [delivering('eu-west-1')] }], { maxAccounts: 1 }, [B, C]);
    expect(f.map((x) => [x.check, x.severity])).toEqual([['coverage-capped', 'medium']]);
    expect(f[0].details).toEqual({ maxAccounts: 1, unchecked: [B, C], uncheckedCount: 2 });
  });

  it('one alert per account, check and hour: the alert names the account', () => {
    const [f] = findings([{ account: B, regions: [silent('eu-west-1', '2026-03-10T08:55:00Z')] }]);
    const alert = watchdogAlert(f, 'org-trail', NOW);
    expect(alert).toMatchObject({
      id: `trail-health:account-silent:${B}:2026-03-11T10`,
      kind: 'trail-health',
      rule: 'watchdog.account-silent',
      resource: B,
      severity: 'high',
    });
    expect(watchdogAlert(f, 'org-trail', new Date('2026-03-11T10:59:00Z')).id).toBe(alert.id);
    expect(watchdogAlert(f, 'org-trail', new Date('2026-03-11T11:00:00Z')).id).not.toBe(alert.id);
  });
});

describe('delivery window', () => {
  const org = { account: A, organizationId: 'o-abc123def4' };
  const file = (stamp: string) =>
    `AWSLogs/o-abc123def4/${A}/CloudTrail/eu-west-1/${stamp.slice(0, 4)}/${stamp.slice(4, 6)}/${stamp.slice(6, 8)}/${A}_CloudTrail_eu-west-1_${stamp}Z_Ab12.json.gz`;

  it("at 00:30 UTC the 24-hour window starts in yesterday's folder and the listing runs on into today's", () => {
    const w = deliveryWindow(new Date('2026-03-11T00:30:00Z'), 24);
    expect(w.silentSince.toISOString()).toBe('2026-03-10T00:30:00.000Z');
    expect(w.seenSince.toISOString()).toBe('2026-03-09T00:30:00.000Z');
    const start = logFilesSinceKey('', org, 'eu-west-1', w.silentSince);
    expect(start).toBe(`AWSLogs/o-abc123def4/${A}/CloudTrail/eu-west-1/2026/03/10/${A}_CloudTrail_eu-west-1_20260310T0030Z`);
    // S3 lists keys after StartAfter in this order: yesterday's late files and today's count, older ones do not.
    expect(file('20260310T2350') > start).toBe(true);
    expect(file('20260311T0025') > start).toBe(true);
    expect(file('20260310T0030') > start).toBe(true);
    expect(file('20260310T0029') > start).toBe(false);
    expect(file('20260309T2359') > start).toBe(false);
  });

  it('starts under the trail prefix and without an organization folder for a plain trail', () => {
    expect(logFilesSinceKey('audit/', { account: B, organizationId: null }, 'us-east-1', new Date('2026-01-02T03:04:59Z'))).toBe(
      `audit/AWSLogs/${B}/CloudTrail/us-east-1/2026/01/02/${B}_CloudTrail_us-east-1_20260102T0304Z`,
    );
  });

  it('runs the delivery check in the first watchdog run of each hour only', () => {
    expect(deliveryCheckDue(new Date('2026-03-11T10:03:00Z'))).toBe(true);
    expect(deliveryCheckDue(new Date('2026-03-11T10:05:00Z'))).toBe(false);
    expect(deliveryCheckDue(new Date('2026-03-11T10:58:00Z'))).toBe(false);
  });
});

describe('runDeliveryCheck', () => {
  const reader = (snapshot: DeliveriesReader['snapshot']): DeliveriesReader & { calls: number } => {
    const r = { bucket: 'org-trail-bucket', calls: 0, snapshot: async (q: Parameters<DeliveriesReader['snapshot']>[0]) => (r.calls++, snapshot(q)) };
    return r;
  };

  it('turns a listing that fails into a coverage-unknown finding on the trail bucket', async () => {
    const r = reader(async () => {
      throw Object.assign(new Error('Access Denied'), { name: 'AccessDenied' });
    });
    const out = await runDeliveryCheck({ reader: r, expected: [], silenceHours: 24 }, NOW);
    expect(out.findings.map((f) => [f.check, f.severity, f.resource])).toEqual([['coverage-unknown', 'high', 'org-trail-bucket']]);
    expect(out.findings[0].summary).toContain('AccessDenied: Access Denied');
  });

  it('does not list when not due, and passes the settings to the reader when it is', async () => {
    const seen: unknown[] = [];
    const r = reader(async (q) => (seen.push(q), { accounts: [{ account: A, regions: [] }], unchecked: [], requests: 3 }));
    expect(await runDeliveryCheck({ reader: r, expected: [A], silenceHours: 6, due: () => false }, NOW)).toEqual({
      ran: false,
      findings: [],
      accounts: null,
      requests: null,
    });
    expect(r.calls).toBe(0);
    const out = await runDeliveryCheck({ reader: r, expected: [A], silenceHours: 6, maxAccounts: 7 }, NOW);
    expect(seen).toEqual([{ now: NOW, silenceHours: 6, expected: [A], maxAccounts: 7 }]);
    expect(out).toMatchObject({ accounts: 1, requests: 3 });
    expect(out.findings.map((f) => f.check)).toEqual(['account-silent']);
  });
});
