import type { Alert, BatchAlerts, RecordLocation } from '../core/alert';
import { claimOf, hourOf, logFileHour, type IdClaim } from '../core/id-claims';
import type { JsonValue } from '../core/json';
import { isObject } from '../core/json-access';
import { eventIdOf } from '../core/normalize';
import type { AuditRecord, AuditRecordOf, RecordDraft } from '../core/record';
import { alertRecordId, commitDrafts, type CommitDeps } from '../commit/commit';
import { draftFromEvent, quarantineDraft, type Via } from '../commit/drafts';
import { captureRouter, DEFAULT_API_SHARD, type CaptureRouter } from './capture';
import type { DigestLookup } from './digest';
import { parseTrailKey } from '../contract/key-layout';
import { readLogFile, type LogFile } from './log-file';
import { digestMismatchAlert, missedEventsAlert, missedEventsAlertId } from './trail-alerts';
import { ImmutrailError } from '../core/errors';

/** A log file held back once because live-lane events of it were not archived yet (see ReconcileSettings.deferMissedLive). */
export class MissedLiveDeferred extends ImmutrailError {
  readonly code = 'MISSED_LIVE_DEFERRED';
  constructor(
    readonly key: string,
    readonly missing: number,
  ) {
    super(`${missing} event(s) of ${key} the live lane should have delivered are not archived yet; the file is looked at again later`);
    this.name = 'MissedLiveDeferred';
  }
}

/** One coverage record per log file: reconciling the same file twice commits it once. */
export const coverageRecordId = (bucket: string, key: string): string => `coverage:${bucket}/${key}`;

/** The account and region a coverage record names: from the key in CloudTrail's layout, else null (a copy, an export). */
export function coverageLocation(key: string): { account: string | null; region: string | null } {
  const k = parseTrailKey(key.replace(/\\/g, '/'));
  return { account: k?.account ?? null, region: k?.region ?? null };
}

export interface ReconcileDeps extends CommitDeps {
  /** Publishes committed alerts from their batches' outbox items. */
  alerts?: { deliver(batches: readonly BatchAlerts[]): Promise<void> };
  onError?: (stage: 'alerts', err: unknown) => void;
}

export interface ReconcileSettings {
  /** 'trail-log' for the reconcile Lambda, 'backfill' for imports. @default 'trail-log' */
  channel?: 'trail-log' | 'backfill';
  /** Which records the stack captures and where they go. @default write calls only, into 'api' */
  route?: CaptureRouter;
  /** What the live lane (EventBridge) captures; only its records count as missed by it. @default everything `route` captures */
  live?: CaptureRouter;
  /** Shard for coverage records, reconcile alerts and records that are not even objects. @default 'api' */
  coverageShard?: string;
  /** Commit a coverage record (needs a bucket: its id is the S3 location). @default true */
  coverage?: boolean;
  /** Raise the "EventBridge missed N events" alert. @default true for 'trail-log' */
  alertOnMissed?: boolean;
  /**
   * When the file holds events the live lane should have delivered and has not,
   * and the newest of them is younger than `maxLagMs` at `noticeTime` (the live
   * lane may only be slow), commit nothing and throw MissedLiveDeferred: the
   * file is looked at again after the queue's visibility timeout, when such
   * events are found archived and only real misses alert (issue 19, defect 10).
   */
  deferMissedLive?: { noticeTime: number; maxLagMs: number };
  /** CloudTrail's digest files, to check the log file's hash and cite it in the coverage record. */
  digest?: DigestLookup;
  maxBytes?: number;
}

/** A log file: where it came from (bucket null for a local file) and its bytes as stored. */
export interface LogFileInput {
  bucket: string | null;
  /** The S3 key (or the path of a local file); events recovered from it carry it as via.logFile. */
  key: string;
  body: Buffer;
}

export type DigestCheck = 'verified' | 'mismatch' | 'not-listed' | 'not-checked';

export interface ReconcileOutcome {
  bucket: string | null;
  key: string;
  /** Records in the file. total = archived + recovered + skipped. */
  total: number;
  /** Captured records the archive already held (including repeats inside the file). */
  archived: number;
  /** Captured records committed now (events and quarantined records). */
  recovered: number;
  /** Of `recovered`, those that failed validation and were archived raw as quarantined. */
  quarantined: number;
  /** Records the stack is not configured to capture (read-only calls, service events...). */
  skipped: number;
  digest: DigestCheck;
  digestSha256: string | null;
  coverage: 'committed' | 'already' | 'none';
  /** The "EventBridge missed N events" alert, when this call committed it. */
  missedAlert: Alert | null;
  /** Every alert committed by this call (detectors on recovered events included), in commit order. */
  alerts: Alert[];
  committed: AuditRecord[];
}

interface Captured {
  draft: RecordDraft;
  shard: string;
  eventId: string | null;
  /** Hour of the record's eventTime: where its event id is claimed when it arrived as an event. */
  hour: string;
  /** The live lane (EventBridge) would have delivered it: only these count as missed by it. */
  live: boolean;
  /** The record's eventTime ('' when it has none). */
  time: string;
}

/** Ids of the captured records (and their event ids) already committed, one id-set read per shard and hour. */
async function committedOf(deps: ReconcileDeps, captured: readonly Captured[], recoveredId: (draftId: string) => string): Promise<Set<string>> {
  const byShard = new Map<string, IdClaim[]>();
  for (const c of captured) {
    const claims = byShard.get(c.shard) ?? [];
    const own = claimOf(c.draft);
    claims.push(own, { id: recoveredId(c.draft.id), hour: own.hour });
    if (c.eventId !== null && c.eventId !== c.draft.id) claims.push({ id: c.eventId, hour: c.hour });
    byShard.set(c.shard, claims);
  }
  const done = new Set<string>();
  for (const [shard, claims] of byShard) for (const id of await deps.store.committed(shard, claims)) done.add(id);
  return done;
}

const defaultRoute = captureRouter({ captureReadOnly: false });

function timeOf(raw: JsonValue): string {
  return isObject(raw) && typeof raw.eventTime === 'string' ? raw.eventTime : '';
}

const alertDraft = (a: Alert): RecordDraft => ({ kind: 'alert', id: alertRecordId(a), data: { alert: a } });

/**
 * Reconciles one CloudTrail log file with the archive: every record the stack
 * captures that the archive does not hold yet is committed through the normal
 * chain path (marked via {channel, logFile: key}), in eventTime order; then one
 * coverage record counts what the file held. When anything was missing, one
 * "missed-events" alert is committed in the same transaction as the last
 * recovered event (so its batch's outbox item holds it from the commit on) and published.
 * Idempotent: a second run finds everything archived and commits nothing.
 * Throws LogFileError for a file that cannot be read.
 */
export async function reconcileLogFile(deps: ReconcileDeps, input: LogFileInput, settings: ReconcileSettings = {}): Promise<ReconcileOutcome> {
  const channel = settings.channel ?? 'trail-log';
  const coverageShard = settings.coverageShard ?? DEFAULT_API_SHARD;
  const bucket = input.bucket;
  const clock = deps.clock ?? (() => new Date());
  const file = readLogFile(input.body, { maxBytes: settings.maxBytes });
  const { captured, skipped } = capturedRecords(file, { channel, logFile: input.key }, settings, coverageShard);
  const sorted = await sortByArchive(deps, captured, input, settings, coverageShard);
  const check = await checkDigest(settings.digest, input, file.sha256, clock);

  const alertOnMissed = bucket !== null && (settings.alertOnMissed ?? channel === 'trail-log');
  const missed = missedLiveEvents(input, sorted, alertOnMissed, settings.deferMissedLive);
  const run = await commitMissing(deps, sorted.missing, missed);
  const recoveredRecords = run.committed.filter((r) => r.chain.kind === 'event' || r.chain.kind === 'quarantine');
  const archived = sorted.archived + run.duplicates;
  const recovered = recoveredRecords.length + sorted.earlier.length;
  const quarantined = recoveredRecords.filter((r) => r.chain.kind === 'quarantine').length + sorted.earlier.filter((c) => c.draft.kind === 'quarantine').length;

  const finalDrafts: RecordDraft[] = [];
  let missedAlert = run.alerts.find((a) => bucket !== null && a.id === missedEventsAlertId(bucket, input.key)) ?? null;
  const liveIds = new Set(missed.live.map((m) => m.draft.id));
  const recoveredLive = recoveredRecords.filter((r) => liveIds.has(r.chain.id));
  if (alertOnMissed && recoveredLive.length + missed.earlierLive.length > 0 && !missedAlert) {
    // Nothing recovered was an event (all quarantined), a race took the trigger, or an earlier run of this file
    // was interrupted before its alert: commit the alert on its own (an alert already committed is not repeated).
    const last = recoveredLive[recoveredLive.length - 1];
    const time =
      last?.chain.kind === 'event' ? (last as AuditRecordOf<'event'>).data.event.eventTime : missed.earlierLive.at(-1)?.time || clock().toISOString();
    finalDrafts.push(alertDraft(missed.alert(time, last ? { shard: last.chain.shard, seq: last.chain.seq } : null)));
  }
  if (check.mismatch) finalDrafts.push(alertDraft(check.mismatch));
  if (sorted.coverageId) {
    finalDrafts.push({
      kind: 'coverage',
      id: sorted.coverageId,
      data: { logFile: input.key, total: file.records.length, archived, recovered, skipped, digestSha256: check.digestSha256, ...coverageLocation(input.key) },
    });
  }
  const final = await commitFinal(deps, coverageShard, finalDrafts, sorted.coverageId, run);
  missedAlert = final.missed ?? missedAlert;

  if (deps.alerts && run.alertBatches.length > 0) await deps.alerts.deliver(run.alertBatches).catch((err) => deps.onError?.('alerts', err));
  return {
    bucket,
    key: input.key,
    total: file.records.length,
    archived,
    recovered,
    quarantined,
    skipped,
    digest: check.digest,
    digestSha256: check.digestSha256,
    coverage: final.coverage,
    missedAlert,
    alerts: run.alerts,
    committed: run.committed,
  };
}

/** The file's records the stack captures, in eventTime order, as drafts routed to their shards; the rest are counted as skipped. */
function capturedRecords(file: LogFile, via: Via, settings: ReconcileSettings, coverageShard: string): { captured: Captured[]; skipped: number } {
  const route = settings.route ?? defaultRoute;
  const ordered = file.records.map((raw, i) => ({ raw, i, t: timeOf(raw) })).sort((a, b) => (a.t < b.t ? -1 : a.t > b.t ? 1 : a.i - b.i));
  const draftOf = (raw: JsonValue, i: number): RecordDraft => {
    const repeated = file.repeatedNames.get(i);
    return repeated !== undefined
      ? quarantineDraft(repeated, 'an object repeats a member name (RFC 8785 input must have unique names)', via)
      : draftFromEvent(raw, via).draft;
  };
  let skipped = 0;
  const captured: Captured[] = [];
  for (const { raw, i } of ordered) {
    // A record that is not even an object cannot be judged by the filter: keep it (quarantined) rather than drop it.
    const shard = isObject(raw) ? route(raw) : coverageShard;
    if (shard === null) {
      skipped++;
      continue;
    }
    const live = !settings.live || !isObject(raw) || settings.live(raw) !== null;
    captured.push({ draft: draftOf(raw, i), shard, eventId: eventIdOf(raw), hour: hourOf(timeOf(raw)), live, time: timeOf(raw) });
  }
  return { captured, skipped };
}

interface SortedRecords {
  /** Already in the archive (or repeated in the file). */
  archived: number;
  /** Not in the archive: to commit now, each also claiming its `recovered:` id. */
  missing: Captured[];
  /** Recovered by an earlier, interrupted run of this same file. */
  earlier: Captured[];
  /** The file's coverage record id, when it gets one (files of a bucket). */
  coverageId: string | null;
}

/**
 * Sorts captured records by what the archive holds. An event counts as archived
 * under its event id (however it arrived) or under this draft's own id. One
 * that an earlier, interrupted run of this same file recovered (it claimed
 * `recovered:<file>#<id>`) counts as recovered, so the coverage record and the
 * alert count the file whole (issue 19, defect 10).
 */
async function sortByArchive(
  deps: ReconcileDeps,
  captured: readonly Captured[],
  input: LogFileInput,
  settings: ReconcileSettings,
  coverageShard: string,
): Promise<SortedRecords> {
  const bucket = input.bucket;
  const fileTag = `${bucket ?? 'local'}/${input.key}`;
  const recoveredId = (draftId: string) => `recovered:${fileTag}#${draftId}`;
  const done = await committedOf(deps, captured, recoveredId);
  // A file whose coverage record exists was reconciled whole before: a run again finds everything archived.
  const coverageId = bucket !== null && (settings.coverage ?? true) ? coverageRecordId(bucket, input.key) : null;
  const coveredBefore = coverageId !== null && (await deps.store.committed(coverageShard, [{ id: coverageId, hour: logFileHour(input.key) }])).has(coverageId);
  let archived = 0;
  const seen = new Set<string>();
  const missing: Captured[] = [];
  const earlier: Captured[] = [];
  for (const c of captured) {
    if (seen.has(c.draft.id)) archived++;
    else if (done.has(c.draft.id) || (c.eventId !== null && done.has(c.eventId))) {
      seen.add(c.draft.id);
      // (Only files of a bucket: a local import has no coverage record of its own to tell a finished run.)
      if (bucket !== null && !coveredBefore && done.has(recoveredId(c.draft.id))) earlier.push(c);
      else archived++;
    } else {
      seen.add(c.draft.id);
      const claim = { id: recoveredId(c.draft.id), hour: claimOf(c.draft).hour };
      missing.push({ ...c, draft: { ...c.draft, alsoClaims: [...(c.draft.alsoClaims ?? []), claim] } as RecordDraft });
    }
  }
  return { archived, missing, earlier, coverageId };
}

/** The log file's hash against CloudTrail's digest files, with the alert to commit when they differ. */
async function checkDigest(
  lookup: DigestLookup | undefined,
  input: LogFileInput,
  sha256: string,
  clock: () => Date,
): Promise<{ digest: DigestCheck; digestSha256: string | null; mismatch: Alert | null }> {
  const bucket = input.bucket;
  if (!lookup || bucket === null) return { digest: 'not-checked', digestSha256: null, mismatch: null };
  const hit = await lookup.hashFor(bucket, input.key);
  if (!hit) return { digest: 'not-listed', digestSha256: null, mismatch: null };
  if (hit.sha256 === sha256) return { digest: 'verified', digestSha256: hit.sha256, mismatch: null };
  const mismatch = digestMismatchAlert({ bucket, key: input.key, expected: hit.sha256, actual: sha256, digestKey: hit.digestKey, now: clock() });
  return { digest: 'mismatch', digestSha256: null, mismatch };
}

/** What the live lane missed, and how the "missed events" alert is raised for it. */
interface MissedLive {
  /** Missing records the live lane would have delivered (read-only calls the trail lane captures were never sent live). */
  live: Captured[];
  earlierLive: Captured[];
  /** The recovered event the alert rides on (committed last), when the alert is raised. */
  trigger: Captured | undefined;
  alert: (eventTime: string, record: RecordLocation | null) => Alert;
}

function missedLiveEvents(input: LogFileInput, sorted: SortedRecords, alertOnMissed: boolean, defer: ReconcileSettings['deferMissedLive']): MissedLive {
  const live = sorted.missing.filter((m) => m.live);
  const earlierLive = sorted.earlier.filter((m) => m.live);
  if (defer && alertOnMissed && live.some((m) => Date.parse(m.time) > defer.noticeTime - defer.maxLagMs)) {
    throw new MissedLiveDeferred(input.key, live.length);
  }
  const eventIds = [...earlierLive, ...live].map((m) => m.eventId ?? m.draft.id);
  return {
    live,
    earlierLive,
    // The alert rides on the last recovered event (committed last), so it is in the
    // outbox with the recovery itself and points at a record that proves it.
    trigger: alertOnMissed ? [...live].reverse().find((m) => m.draft.kind === 'event') : undefined,
    alert: (eventTime, record) => missedEventsAlert({ bucket: input.bucket as string, key: input.key, missed: eventIds.length, eventIds, eventTime, record }),
  };
}

interface CommitRun {
  committed: AuditRecord[];
  alerts: Alert[];
  alertBatches: BatchAlerts[];
  /** Drafts another writer committed first. */
  duplicates: number;
}

/** Commits the missing records shard by shard, the trigger's shard last, the "missed events" alert riding on the trigger. */
async function commitMissing(deps: ReconcileDeps, missing: readonly Captured[], missed: MissedLive): Promise<CommitRun> {
  const trigger = missed.trigger;
  const detect: CommitDeps['detect'] = trigger
    ? async (record: AuditRecordOf<'event'>) => {
        const found = deps.detect ? await deps.detect(record) : [];
        if (record.chain.id !== trigger.draft.id) return found;
        return [missed.alert(record.data.event.eventTime, { shard: record.chain.shard, seq: record.chain.seq }), ...found];
      }
    : deps.detect;
  const byShard = new Map<string, RecordDraft[]>();
  // Append in place: copying the list per event made a 35,000-event file cost 52 s of CPU (quadratic).
  for (const m of missing) {
    const drafts = byShard.get(m.shard);
    if (drafts) drafts.push(m.draft);
    else byShard.set(m.shard, [m.draft]);
  }
  const shards = [...byShard.keys()].sort((a, b) => Number(a === trigger?.shard) - Number(b === trigger?.shard));
  const run: CommitRun = { committed: [], alerts: [], alertBatches: [], duplicates: 0 };
  for (const shard of shards) {
    const out = await commitDrafts({ ...deps, detect }, shard, byShard.get(shard) ?? []);
    run.committed.push(...out.committed);
    run.alerts.push(...out.alerts);
    run.alertBatches.push(...out.alertBatches);
    run.duplicates += out.duplicates;
  }
  return run;
}

/** Commits the file's own records (a missed-events alert of its own, a digest mismatch, the coverage record) into `run`. */
async function commitFinal(
  deps: ReconcileDeps,
  coverageShard: string,
  drafts: RecordDraft[],
  coverageId: string | null,
  run: CommitRun,
): Promise<{ coverage: ReconcileOutcome['coverage']; missed: Alert | null }> {
  let coverage: ReconcileOutcome['coverage'] = 'none';
  let missed: Alert | null = null;
  if (drafts.length === 0) return { coverage, missed };
  const out = await commitDrafts({ ...deps, detect: undefined }, coverageShard, drafts);
  run.committed.push(...out.committed);
  run.alertBatches.push(...out.alertBatches);
  for (const r of out.committed) {
    if (r.chain.kind !== 'alert') continue;
    const alert = (r as AuditRecordOf<'alert'>).data.alert;
    run.alerts.push(alert);
    if (alert.kind === 'missed-events') missed = alert;
  }
  if (coverageId) coverage = out.committed.some((r) => r.chain.id === coverageId) ? 'committed' : 'already';
  return { coverage, missed };
}
