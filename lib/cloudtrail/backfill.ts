import { createHash } from 'node:crypto';
import { BackfillAlertTally, type BackfillDigest } from '../core/detect/backfill-digest';
import { commitDrafts, type ChainStorePort } from '../commit/commit';
import type { CaptureRouter } from './capture';
import type { DigestLookup } from './digest';
import { LogFileError } from './errors';
import type { LogFileSource } from './log-file-source';
import { coverageLocation, reconcileLogFile, type ReconcileDeps } from './reconcile';

export interface BackfillOptions {
  route: CaptureRouter;
  /** Shard for coverage records and records that are not even objects. */
  coverageShard: string;
  /** Check each file against CloudTrail's digest files (S3 sources in CloudTrail's layout). */
  digest?: DigestLookup;
  onProgress?: (done: number, total: number) => void;
  /**
   * Where to publish the alerts raised on imported events, as one digest per
   * rule once the import is done (issue 17: one message per alert flooded the
   * topic). Without it they are archived in the chain only: importing history
   * does not page anyone. Either way no outbox item is written for them.
   */
  publishAlerts?: BackfillDigestSink;
}

export interface BackfillDigestSink {
  publishDigest(d: BackfillDigest): Promise<unknown>;
}

export interface BackfillSummary {
  source: string;
  /** Log files found (digests and other objects are not counted). */
  files: number;
  /** Records in the files read. */
  events: number;
  /** Records committed by this run (events and quarantined records). */
  archived: number;
  /** Captured records the archive held already. */
  alreadyThere: number;
  /** Of `archived`, records that failed validation and were kept raw as quarantined. */
  quarantined: number;
  /** Records the stack does not capture (read-only calls unless configured, service events...). */
  skipped: number;
  digestsVerified: number;
  /** Files whose content does not match CloudTrail's digest (an alert record was committed for each). */
  digestMismatches: string[];
  /** Files that could not be read as CloudTrail log files; nothing of them was imported. */
  unreadable: { file: string; code: string; reason: string }[];
  /** Alert records committed (detectors on imported events, digest mismatches). */
  alerts: number;
  /** Whether those alerts were to be published (--publish-alerts), as one digest per rule. */
  published: boolean;
  /** Digests (one per rule) the topic accepted. */
  digestsPublished: number;
  /** Digests the topic refused: those rules' alerts are archived but nobody was told. */
  publishFailed: number;
  /** The first refusal's message, when publishFailed > 0. */
  publishError: string | null;
  durationMs: number;
}

/** Coverage of a local file: no S3 location names it, so its content does (the same file imported twice counts once). */
export const localCoverageRecordId = (body: Buffer): string => `coverage:local/${createHash('sha256').update(body).digest('hex')}`;

/** The chain store, committing alert records without their outbox item: archived, never published one by one. */
function archiveOnly(store: ChainStorePort): ChainStorePort {
  return {
    head: (shard) => store.head(shard),
    committed: (shard, claims) => store.committed(shard, claims),
    commit: (expected, batch) => store.commit(expected, batch, []),
  };
}

/**
 * Imports existing CloudTrail log files through the same path as reconcile
 * (channel 'backfill'): files in name order, records within a file in
 * eventTime order, events already archived skipped, so running it twice
 * imports nothing new. Every file gets a coverage record (local files named
 * by their content). Detectors run on the imported events (deps.detect) and
 * their alerts are committed with them, without outbox items; with
 * `publishAlerts` they are then published as one digest per rule.
 */
export async function backfill(deps: ReconcileDeps, source: LogFileSource, opts: BackfillOptions): Promise<BackfillSummary> {
  const started = Date.now();
  const tally = opts.publishAlerts ? new BackfillAlertTally() : null;
  const run: ReconcileDeps = { ...deps, store: archiveOnly(deps.store), alerts: undefined };
  const names = await source.list();
  const s: BackfillSummary = {
    source: source.describe(),
    files: names.length,
    events: 0,
    archived: 0,
    alreadyThere: 0,
    quarantined: 0,
    skipped: 0,
    digestsVerified: 0,
    digestMismatches: [],
    unreadable: [],
    alerts: 0,
    published: tally !== null,
    digestsPublished: 0,
    publishFailed: 0,
    publishError: null,
    durationMs: 0,
  };
  opts.onProgress?.(0, names.length);
  for (const [i, name] of names.entries()) {
    try {
      const body = await source.read(name);
      const out = await reconcileLogFile(
        run,
        { bucket: source.bucket, key: name, body },
        { channel: 'backfill', route: opts.route, coverageShard: opts.coverageShard, alertOnMissed: false, digest: opts.digest },
      );
      s.alerts += out.alerts.length;
      for (const a of out.alerts) tally?.add(a);
      if (source.bucket === null) {
        const data = {
          logFile: name,
          total: out.total,
          archived: out.archived,
          recovered: out.recovered,
          skipped: out.skipped,
          digestSha256: null,
          ...coverageLocation(name),
        };
        await commitDrafts({ ...run, detect: undefined }, opts.coverageShard, [{ kind: 'coverage', id: localCoverageRecordId(body), data }]);
      }
      s.events += out.total;
      s.archived += out.recovered;
      s.alreadyThere += out.archived;
      s.quarantined += out.quarantined;
      s.skipped += out.skipped;
      if (out.digest === 'verified') s.digestsVerified++;
      if (out.digest === 'mismatch') s.digestMismatches.push(name);
    } catch (err) {
      if (!(err instanceof LogFileError)) throw err;
      s.unreadable.push({ file: name, code: err.code, reason: err.message });
    }
    opts.onProgress?.(i + 1, names.length);
  }
  if (opts.publishAlerts && tally) await publishDigests(opts.publishAlerts, tally.digests(), s);
  s.durationMs = Date.now() - started;
  return s;
}

/** Every digest is tried; a refusal is counted, not thrown: the alerts are archived whatever the topic says. */
async function publishDigests(sink: BackfillDigestSink, digests: readonly BackfillDigest[], s: BackfillSummary): Promise<void> {
  for (const d of digests) {
    try {
      await sink.publishDigest(d);
      s.digestsPublished++;
    } catch (err) {
      s.publishFailed++;
      s.publishError ??= `${d.rule}: ${(err as Error)?.message ?? String(err)}`;
    }
  }
}
