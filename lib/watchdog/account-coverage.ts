import type { JsonObject } from '../core/json';
import type { WatchdogFinding } from './trail-checks';

/**
 * From what the trail bucket's folders show (trail-deliveries.ts lists them)
 * to findings: which accounts, and which regions within them, stopped
 * delivering CloudTrail log files. Pure: no S3 here, so every case is a unit test.
 */

/** What one region's folder of one account showed, by the timestamps in the log file names. */
export type RegionDelivery =
  /** A log file named in the silence window. */
  | { region: string; state: 'delivering' }
  /** None in the silence window; `newest` is the newest one in the day before it. */
  | { region: string; state: 'silent'; newest: string }
  /** A folder with no log file in either window (a region no longer used, or silent for longer). */
  | { region: string; state: 'stale' };

export interface AccountDeliveries {
  account: string;
  /** Empty for an expected account that has no folder in the trail bucket at all. */
  regions: RegionDelivery[];
}

export interface DeliverySnapshot {
  /** The accounts checked this run. */
  accounts: AccountDeliveries[];
  /** Accounts found beyond the cap on accounts per run, not checked. */
  unchecked: string[];
  /** S3 requests the listings took (see trail-deliveries.ts for the count). */
  requests: number;
}

export interface CoverageSettings {
  /** Accounts that must deliver, whether or not they have ever been seen. */
  expected: readonly string[];
  silenceHours: number;
  /** The cap, for the finding's text. */
  maxAccounts: number;
  now: Date;
}

/** Accounts to list this run: the expected ones first, then the others found, at most `max`; the rest are reported, not dropped silently. */
export function accountsToCheck(found: readonly string[], expected: readonly string[], max: number): { check: string[]; unchecked: string[] } {
  const ordered = [...new Set([...expected, ...[...found].sort()])];
  return { check: ordered.slice(0, max), unchecked: ordered.slice(max) };
}

const RANK = { delivering: 2, silent: 1, stale: 0 } as const;

/** One state per region: an account in two folders (its own trail and the organization's) delivers where either does. */
export function mergeRegions(regions: readonly RegionDelivery[]): RegionDelivery[] {
  const best = new Map<string, RegionDelivery>();
  for (const r of regions) {
    const b = best.get(r.region);
    const newer = b?.state === 'silent' && r.state === 'silent' && r.newest > b.newest;
    if (!b || RANK[r.state] > RANK[b.state] || newer) best.set(r.region, r);
  }
  return [...best.values()].sort((a, b) => (a.region < b.region ? -1 : 1));
}

const hoursSince = (iso: string, now: Date): number => Math.floor((now.getTime() - Date.parse(iso)) / 3_600_000);
const newestOf = (regions: readonly RegionDelivery[]): string | null =>
  regions.reduce<string | null>((n, r) => (r.state === 'silent' && (n === null || r.newest > n) ? r.newest : n), null);
const silentRegions = (regions: readonly RegionDelivery[]): JsonObject[] =>
  regions.filter((r) => r.state !== 'delivering').map((r) => ({ region: r.region, newest: r.state === 'silent' ? r.newest : null }));

function accountSilent(a: AccountDeliveries, regions: RegionDelivery[], s: CoverageSettings, expected: boolean): WatchdogFinding {
  const newest = newestOf(regions);
  const olderThan = s.silenceHours + 24;
  const when =
    newest !== null
      ? `for ${hoursSince(newest, s.now)} hours (newest ${newest})`
      : regions.length > 0
        ? `for more than ${olderThan} hours`
        : 'at all: the trail bucket has no folder for it';
  return {
    check: 'account-silent',
    severity: 'high',
    resource: a.account,
    summary: `${expected ? 'expected ' : ''}account ${a.account} delivered no CloudTrail log file ${when}; the limit is ${s.silenceHours} hours`,
    details: { account: a.account, expected, newestFileTime: newest, regions: silentRegions(regions), silenceHours: s.silenceHours },
  };
}

function regionSilent(a: AccountDeliveries, regions: RegionDelivery[], s: CoverageSettings): WatchdogFinding | null {
  const silent = regions.filter((r): r is Extract<RegionDelivery, { state: 'silent' }> => r.state === 'silent');
  if (silent.length === 0) return null;
  const names = silent.map((r) => `${r.region} (newest ${r.newest})`).join(', ');
  return {
    check: 'region-silent',
    severity: 'high',
    resource: a.account,
    summary: `account ${a.account} still delivers, but not from ${names}: no log file for ${s.silenceHours} hours`,
    details: {
      account: a.account,
      newestFileTime: newestOf(silent),
      regions: silentRegions(silent),
      delivering: regions.filter((r) => r.state === 'delivering').map((r) => r.region),
      silenceHours: s.silenceHours,
    },
  };
}

/**
 * Per account: `account-silent` when no region delivered in the silence
 * window and the account is expected or was seen in the day before it;
 * `region-silent` when it delivers but a region seen in the day before fell
 * silent. An account seen in neither window and not expected is not reported
 * (it may have left the organization). One finding per account at most.
 */
export function accountCoverageFindings(snapshot: DeliverySnapshot, s: CoverageSettings): WatchdogFinding[] {
  const expected = new Set(s.expected);
  const out: WatchdogFinding[] = [];
  for (const a of snapshot.accounts) {
    const regions = mergeRegions(a.regions);
    const delivers = regions.some((r) => r.state === 'delivering');
    const seen = regions.some((r) => r.state === 'silent');
    const f = delivers ? regionSilent(a, regions, s) : seen || expected.has(a.account) ? accountSilent(a, regions, s, expected.has(a.account)) : null;
    if (f) out.push(f);
  }
  if (snapshot.unchecked.length > 0) out.push(cappedFinding(snapshot.unchecked, s.maxAccounts));
  return out;
}

function cappedFinding(unchecked: readonly string[], max: number): WatchdogFinding {
  return {
    check: 'coverage-capped',
    severity: 'medium',
    summary: `${unchecked.length} account(s) beyond the ${max} checked per run were not checked for delivery`,
    details: { maxAccounts: max, unchecked: unchecked.slice(0, 100), uncheckedCount: unchecked.length },
  };
}

/** The listing itself failed (the bucket policy does not let the watchdog list, the bucket is gone): coverage is unknown. */
export function coverageUnknownFinding(bucket: string, err: unknown): WatchdogFinding {
  const e = err as Error;
  const error = `${e.name}: ${e.message}`;
  return {
    check: 'coverage-unknown',
    severity: 'high',
    resource: bucket,
    summary: `cannot list the trail bucket ${bucket} to check deliveries per account: ${error}`,
    details: { bucket, error },
  };
}
