import type { Alert } from '../core/alert';
import { logFileHour } from '../core/id-claims';
import { alertRecordId, commitDrafts } from '../commit/commit';
import { DEFAULT_API_SHARD } from './capture';
import type { DigestLookup } from './digest';
import { LogFileError } from './errors';
import { parseTrailKey } from '../contract/key-layout';
import { coverageRecordId, MissedLiveDeferred, reconcileLogFile, type ReconcileDeps, type ReconcileOutcome, type ReconcileSettings } from './reconcile';
import { corruptLogFileAlert } from './trail-alerts';
import type { TrailBucket } from './trail-bucket';

export interface ObjectReconcileDeps extends ReconcileDeps {
  trail: TrailBucket;
  settings: Omit<ReconcileSettings, 'digest' | 'channel'> & {
    /** The shard for the coverage record and alerts of a log file of this account (its own chain); absent: coverageShard for all. */
    coverageShardOf?: (account: string) => string;
  };
  /** A digest lookup for one invocation (listings are cached inside it); none = no digest check. */
  digests?: () => DigestLookup;
}

export type ObjectResult =
  | { key: string; status: 'reconciled'; outcome: ReconcileOutcome }
  | { key: string; status: 'already-covered' }
  | { key: string; status: 'ignored'; reason: string }
  | { key: string; status: 'unreadable'; code: string; reason: string; alert: Alert | null }
  | { key: string; status: 'deferred'; missing: number }
  | { key: string; status: 'failed'; error: unknown };

export const DEFAULT_SWEEP_HOURS = 3;

/**
 * Reconciles trail bucket objects by key: digests and other objects are
 * ignored, files that already have a coverage record cost one batched read,
 * the rest are read and reconciled. One file failing does not stop the others
 * (see the results); an unreadable file raises a trail-health alert.
 */
export async function reconcileObjects(deps: ObjectReconcileDeps, keys: readonly string[]): Promise<ObjectResult[]> {
  const results: ObjectResult[] = [];
  const candidates: string[] = [];
  for (const key of new Set(keys)) {
    const k = parseTrailKey(key);
    if (!k || k.kind !== 'log') results.push({ key, status: 'ignored', reason: k ? `a CloudTrail ${k.kind} file` : 'not a CloudTrail log file key' });
    else if (deps.trail.prefix && !key.startsWith(deps.trail.prefix))
      results.push({ key, status: 'ignored', reason: `outside the trail prefix ${deps.trail.prefix}` });
    else candidates.push(key);
  }
  const covered = await coveredKeys(deps, candidates);
  const digest = deps.digests?.();
  for (const key of candidates) {
    if (covered.has(key)) {
      results.push({ key, status: 'already-covered' });
      continue;
    }
    const coverageShard = coverageShardOfKey(deps, key);
    try {
      const body = await deps.trail.get(key);
      const outcome = await reconcileLogFile(deps, { bucket: deps.trail.bucket, key, body }, { ...deps.settings, coverageShard, channel: 'trail-log', digest });
      results.push({ key, status: 'reconciled', outcome });
    } catch (err) {
      if (err instanceof LogFileError) results.push(await reportUnreadable(deps, key, err, coverageShard));
      else if (err instanceof MissedLiveDeferred) results.push({ key, status: 'deferred', missing: err.missing });
      else results.push({ key, status: 'failed', error: err });
    }
  }
  return results;
}

/** The log file's account chain (with coverageShardOf), else the one coverage shard. */
function coverageShardOfKey(deps: ObjectReconcileDeps, key: string): string {
  const account = parseTrailKey(key)?.account;
  return (account && deps.settings.coverageShardOf?.(account)) || (deps.settings.coverageShard ?? DEFAULT_API_SHARD);
}

/** The keys whose coverage record is committed: one batched read per coverage shard. */
async function coveredKeys(deps: ObjectReconcileDeps, keys: readonly string[]): Promise<Set<string>> {
  const byShard = new Map<string, string[]>();
  for (const k of keys) {
    const shard = coverageShardOfKey(deps, k);
    const shardKeys = byShard.get(shard);
    if (shardKeys) shardKeys.push(k);
    else byShard.set(shard, [k]);
  }
  const covered = new Set<string>();
  for (const [shard, shardKeys] of byShard) {
    const ids = await deps.store.committed(
      shard,
      shardKeys.map((k) => ({ id: coverageRecordId(deps.trail.bucket, k), hour: logFileHour(k) })),
    );
    for (const k of shardKeys) if (ids.has(coverageRecordId(deps.trail.bucket, k))) covered.add(k);
  }
  return covered;
}

async function reportUnreadable(deps: ObjectReconcileDeps, key: string, err: LogFileError, shard: string): Promise<ObjectResult> {
  const clock = deps.clock ?? (() => new Date());
  const alert = corruptLogFileAlert({ bucket: deps.trail.bucket, key, reason: err.message, code: err.code, now: clock() });
  const out = await commitDrafts({ ...deps, detect: undefined }, shard, [{ kind: 'alert', id: alertRecordId(alert), data: { alert } }]);
  const fresh = out.committed.length > 0;
  if (fresh && deps.alerts) await deps.alerts.deliver(out.alertBatches).catch((e) => deps.onError?.('alerts', e));
  return { key, status: 'unreadable', code: err.code, reason: err.message, alert: fresh ? alert : null };
}

/** The scheduled sweep: log files delivered in the last `hours` that no notification got reconciled. */
export async function sweepRecent(deps: ObjectReconcileDeps, opts: { now?: Date; hours?: number } = {}): Promise<ObjectResult[]> {
  const now = opts.now ?? (deps.clock ?? (() => new Date()))();
  const since = new Date(now.getTime() - (opts.hours ?? DEFAULT_SWEEP_HOURS) * 3_600_000);
  return reconcileObjects(deps, await deps.trail.recentLogFiles(since, now));
}
