import type { WatchdogFinding } from './trail-checks';

/** When each shard last committed a record (its head's `time`); null for a shard with no commit yet. */
export interface ShardActivity {
  shard: string;
  time: string | null;
}

/**
 * Silence is a signal: when no shard (other than `ignore`, the watchdog's own)
 * has committed anything for `minutes`, events have stopped arriving. An
 * archive with no commit at all has no baseline yet and is not reported.
 */
export function silenceFinding(
  activity: readonly ShardActivity[],
  now: Date,
  minutes: number,
  ignore: ReadonlySet<string> = new Set(),
): WatchdogFinding | null {
  let newest: ShardActivity | null = null;
  for (const a of activity) {
    if (ignore.has(a.shard) || a.time === null || Number.isNaN(Date.parse(a.time))) continue;
    if (!newest || Date.parse(a.time) > Date.parse(newest.time as string)) newest = a;
  }
  if (!newest) return null;
  const silentMinutes = Math.floor((now.getTime() - Date.parse(newest.time as string)) / 60_000);
  if (silentMinutes < minutes) return null;
  return {
    check: 'silence',
    severity: 'high',
    summary: `no event archived for ${silentMinutes} minutes (last at ${newest.time}, shard ${newest.shard}); the limit is ${minutes}`,
    details: { lastCommitAt: newest.time, shard: newest.shard, silentMinutes, silenceMinutes: minutes },
  };
}
