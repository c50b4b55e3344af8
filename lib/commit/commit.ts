import { buildBatch, extendBatch, genesisDraft, type Batch, type ChainHead } from '../core/chain';
import type { Alert, BatchAlerts } from '../core/alert';
import type { AuditRecord, AuditRecordOf, RecordDraft } from '../core/record';
import { CommitConflictError, MAX_HOURS_PER_COMMIT, MAX_RECORDS_PER_COMMIT } from '../aws/chain-store';
import { claimOf, type IdClaim } from '../core/id-claims';
import { retry } from '../core/retry';

export interface ChainStorePort {
  head(shard: string): Promise<ChainHead>;
  /** Ids among `claims` already committed in the shard; read after `head`, it covers every commit up to it. */
  committed(shard: string, claims: readonly IdClaim[]): Promise<Set<string>>;
  commit(expected: ChainHead, batch: Batch, alertSeqs?: readonly number[]): Promise<void>;
}

export interface ArchivePort {
  putBatch(batch: Batch, now?: Date): Promise<void>;
}

export interface CommitDeps {
  store: ChainStorePort;
  archive: ArchivePort;
  /** Detectors over an event record placed in the batch; their alerts are committed with it. */
  detect?: (record: AuditRecordOf<'event'>) => Promise<Alert[]>;
  origin: string;
  clock?: () => Date;
  maxAttempts?: number;
  /** Test hook: runs between the S3 put and the commit (crash injection). */
  afterPut?: (batch: Batch) => Promise<void>;
}

export interface CommitOutcome {
  shard: string;
  committed: AuditRecord[];
  batches: { key: string; firstSeq: number; lastSeq: number }[];
  duplicates: number;
  conflicts: number;
  /** Detector alerts raised on the committed events. */
  alerts: Alert[];
  /**
   * Every alert record committed (detector alerts and alert drafts the caller
   * passed in), by the batch whose outbox item holds them until published.
   */
  alertBatches: BatchAlerts[];
}

// Room left for alerts when a chunk of events is placed in one commit.
const EVENTS_PER_CHUNK = 2000;
// Hours of event time in one chunk, with room for the hours of its alerts.
const HOURS_PER_CHUNK = MAX_HOURS_PER_COMMIT / 2;

export const alertRecordId = (a: Alert): string => `alert:${a.id}`;

/**
 * Commits drafts to one shard's chain, exactly once per id: already committed
 * ids are skipped, a lost compare-and-swap leaves the written object as an
 * orphan and the chunk is rebuilt on the new head. Throws after maxAttempts
 * conflicts so the messages are redelivered rather than lost.
 */
export async function commitDrafts(deps: CommitDeps, shard: string, drafts: readonly RecordDraft[]): Promise<CommitOutcome> {
  const outcome: CommitOutcome = { shard, committed: [], batches: [], duplicates: 0, conflicts: 0, alerts: [], alertBatches: [] };
  const seen = new Set<string>();
  const unique: RecordDraft[] = [];
  for (const d of drafts) {
    if (seen.has(d.id)) outcome.duplicates++;
    else {
      seen.add(d.id);
      unique.push(d);
    }
  }
  for (const chunk of chunks(unique)) await commitChunk(deps, shard, chunk, outcome);
  return outcome;
}

/** Consecutive drafts, at most EVENTS_PER_CHUNK of them claiming ids in at most HOURS_PER_CHUNK hours. */
function chunks(drafts: readonly RecordDraft[]): RecordDraft[][] {
  const out: RecordDraft[][] = [];
  let current: RecordDraft[] = [];
  let hours = new Set<string>();
  for (const d of drafts) {
    const hour = claimOf(d).hour;
    if (current.length >= EVENTS_PER_CHUNK || (!hours.has(hour) && hours.size >= HOURS_PER_CHUNK)) {
      out.push(current);
      current = [];
      hours = new Set();
    }
    current.push(d);
    hours.add(hour);
  }
  if (current.length > 0) out.push(current);
  return out;
}

/** Lost compare-and-swaps are tried again on the new head, after a jittered wait (about 20 ms, doubling up to 640 ms). */
const CONFLICT_BACKOFF = { baseMs: 20, maxDoublings: 5 };

async function commitChunk(deps: CommitDeps, shard: string, chunk: RecordDraft[], outcome: CommitOutcome): Promise<void> {
  const state = { pending: chunk };
  await retry(() => commitAttempt(deps, shard, state, outcome), {
    ...CONFLICT_BACKOFF,
    attempts: deps.maxAttempts ?? 8,
    retryable: (err) => err instanceof CommitConflictError,
  });
}

/** One try at committing what is still pending on the shard's current head; throws CommitConflictError when it loses the race. */
async function commitAttempt(deps: CommitDeps, shard: string, state: { pending: RecordDraft[] }, outcome: CommitOutcome): Promise<void> {
  // The head first, then the id sets: a commit on this head sees every id committed before it.
  const head = await deps.store.head(shard);
  const done = await deps.store.committed(shard, state.pending.map(claimOf));
  if (done.size > 0) {
    outcome.duplicates += state.pending.filter((d) => done.has(d.id)).length;
    state.pending = state.pending.filter((d) => !done.has(d.id));
  }
  const pending = state.pending;
  if (pending.length === 0) return;
  const now = (deps.clock ?? (() => new Date()))();
  const drafts = head.seq === -1 ? [genesisDraft(shard, deps.origin), ...pending] : pending;
  let batch = buildBatch(head, drafts, now);
  const alerts = await newAlerts(deps, shard, batch);
  // Alert records the caller committed (reconcile, watchdog) and detector alerts, appended after
  // the events, all go into the batch's outbox item, in the commit's transaction.
  const own = batch.records.filter((r): r is AuditRecordOf<'alert'> => r.chain.kind === 'alert');
  const alertSeqs = [...own.map((r) => r.chain.seq), ...alerts.map((_, i) => batch.lastSeq + 1 + i)];
  const allAlerts = [...own.map((r) => r.data.alert), ...alerts];
  batch = extendBatch(
    batch,
    alerts.map((a) => ({ kind: 'alert', id: alertRecordId(a), data: { alert: a } }) as RecordDraft),
    now,
  );
  if (batch.records.length > MAX_RECORDS_PER_COMMIT) {
    // Too many alerts for one transaction: halve the chunk and go again.
    const half = Math.ceil(pending.length / 2);
    await commitChunk(deps, shard, pending.slice(0, half), outcome);
    await commitChunk(deps, shard, pending.slice(half), outcome);
    return;
  }
  await deps.archive.putBatch(batch, now);
  if (deps.afterPut) await deps.afterPut(batch);
  try {
    await deps.store.commit(head, batch, alertSeqs);
  } catch (err) {
    if (err instanceof CommitConflictError) outcome.conflicts++;
    throw err;
  }
  outcome.committed.push(...batch.records);
  outcome.batches.push({ key: batch.key, firstSeq: batch.firstSeq, lastSeq: batch.lastSeq });
  outcome.alerts.push(...alerts);
  if (allAlerts.length > 0) outcome.alertBatches.push({ shard, firstSeq: batch.firstSeq, alerts: allAlerts, seqs: alertSeqs });
}

/** Detector alerts on the batch's events, less those a commit before already holds (a redelivered event's alert ids repeat). */
async function newAlerts(deps: CommitDeps, shard: string, batch: Batch): Promise<Alert[]> {
  const alerts = await detectAll(deps, batch);
  if (alerts.length === 0) return alerts;
  const drafts = alerts.map((a) => ({ kind: 'alert', id: alertRecordId(a), data: { alert: a } }) as RecordDraft);
  const done = await deps.store.committed(shard, drafts.map(claimOf));
  return alerts.filter((a) => !done.has(alertRecordId(a)));
}

async function detectAll(deps: CommitDeps, batch: Batch): Promise<Alert[]> {
  if (!deps.detect) return [];
  const alerts: Alert[] = [];
  const ids = new Set<string>();
  for (const r of batch.records) {
    if (r.chain.kind !== 'event') continue;
    for (const a of await deps.detect(r as AuditRecordOf<'event'>)) {
      if (!ids.has(a.id)) {
        ids.add(a.id);
        alerts.push(a);
      }
    }
  }
  return alerts;
}
