import { createHash } from 'node:crypto';
import { CheckpointError, parseSignedCheckpoint, verifyCheckpoint, type TrustedKey } from '../core/checkpoint';
import { CHECKPOINTS_PREFIX, isCheckpointKey } from '../core/layout';
import type { QueryEngine } from '../query/types';
import { findNamedQuery } from '../query/named-queries';
import { columnsNamedIn, type Column } from '../query/records-relation';
import type { ArchiveSource } from '../core/archive-source';
import { verifyArchive, type VerifyOptions } from '../verify/verify-archive';
import { queryParams } from './period';
import { REPORT_QUERIES, type AthenaCatalog, type CheckpointPoint, type ReportData, type ReportPeriod, type Row } from './types';

export interface GatherInput {
  /** The engine `immutrail query` uses, loaded with the archive. */
  engine: QueryEngine;
  /** The same archive, as the verifier reads it. */
  source: ArchiveSource;
  keys: readonly TrustedKey[];
  period: ReportPeriod;
  deployers?: readonly string[];
  /** Set when `engine` runs on Athena: where, for Scope and the commands that reproduce the figures. */
  athena?: AthenaCatalog;
  /** Extra verifier options (chain heads, progress). */
  verify?: Omit<VerifyOptions, 'keys'>;
  now?: Date;
}

/** SHA-256 of a key's DER SubjectPublicKeyInfo, hex in colon-separated pairs, as `openssl pkey -pubin -outform DER | sha256sum` gives it. */
export function keyFingerprint(key: TrustedKey): string {
  const der = key.publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(der).digest('hex').match(/../g)!.join(':');
}

/**
 * Checkpoints signed by a trusted key that seal the period, oldest first: those signed in it, and the
 * first one after it (it seals the period's last records).
 */
export async function checkpointsIn(source: ArchiveSource, keys: readonly TrustedKey[], period: ReportPeriod): Promise<CheckpointPoint[]> {
  const { from, to } = queryParams(period);
  const all: CheckpointPoint[] = [];
  for await (const o of source.list(CHECKPOINTS_PREFIX)) {
    if (!isCheckpointKey(o.key)) continue;
    try {
      const signed = parseSignedCheckpoint(await source.get(o.key));
      verifyCheckpoint(signed, keys);
      all.push({ time: signed.checkpoint.time, size: signed.checkpoint.size });
    } catch (err) {
      // A checkpoint that does not parse or verify is the verifier's to report; it is no evidence here.
      if (!(err instanceof CheckpointError)) throw err;
    }
  }
  all.sort((a, b) => Date.parse(a.time) - Date.parse(b.time));
  const inPeriod = all.filter((c) => Date.parse(c.time) >= Date.parse(from) && Date.parse(c.time) < Date.parse(to));
  const after = all.find((c) => Date.parse(c.time) >= Date.parse(to));
  return after ? [...inPeriod, after] : inPeriod;
}

const DAY_MS = 86_400_000;

const EVENTS_PER_DAY_SQL = `SELECT substr(event_time, 1, 10) AS event_day, count(*) AS events FROM records WHERE kind = 'event' GROUP BY substr(event_time, 1, 10)`;

/**
 * The columns of `records` a report reads: those its named queries and the busiest-period
 * query name. The local engine loads only these, which skips parsing the original events.
 */
export function reportColumns(): readonly Column[] {
  return columnsNamedIn([...REPORT_QUERIES.map((name) => findNamedQuery(name).sql), EVENTS_PER_DAY_SQL]);
}

/**
 * The `days`-day window holding the most events, ending on a day with events: the period of a report
 * when none is given (the demo's). Real archives span years with a few stray old events; a window
 * keeps the charts readable. Null for an archive without events.
 */
export async function busiestPeriod(engine: QueryEngine, days = 31): Promise<ReportPeriod | null> {
  const r = await engine.run({ sql: EVENTS_PER_DAY_SQL });
  const perDay = r.rows
    .filter((row): row is [string, number] => typeof row[0] === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(row[0]))
    .map(([day, n]) => ({ t: Date.parse(`${day}T00:00:00Z`), n: Number(n) }))
    .sort((a, b) => a.t - b.t);
  let best: { from: number; to: number; n: number } | null = null;
  for (const end of perDay) {
    const from = end.t - (days - 1) * DAY_MS;
    const n = perDay.filter((d) => d.t >= from && d.t <= end.t).reduce((sum, d) => sum + d.n, 0);
    if (!best || n > best.n) best = { from: Math.max(from, perDay[0].t), to: end.t, n };
  }
  const day = (t: number) => new Date(t).toISOString().slice(0, 10);
  return best ? { from: day(best.from), to: day(best.to) } : null;
}

/** Runs the report's named queries, each with the period, in the engine `query` uses. */
export async function runReportQueries(engine: QueryEngine, period: ReportPeriod): Promise<Record<string, Row[]>> {
  const params = queryParams(period);
  const out: Record<string, Row[]> = {};
  for (const name of REPORT_QUERIES) {
    const r = await engine.run({ name, params });
    out[name] = r.rows.map((row) => Object.fromEntries(r.columns.map((c, i) => [c, scalar(row[i])])));
  }
  return out;
}

const scalar = (v: unknown): Row[string] => (v === null || ['string', 'number', 'boolean'].includes(typeof v) ? (v as Row[string]) : JSON.stringify(v));

/** Everything a report shows: the verifier's result over the whole archive, the period's checkpoints and the named queries' rows. */
export async function gatherReportData(input: GatherInput): Promise<ReportData> {
  const verify = await verifyArchive(input.source, { ...input.verify, keys: input.keys });
  return {
    period: input.period,
    generatedAt: (input.now ?? new Date()).toISOString(),
    source: input.source.describe(),
    keyFingerprint: input.keys.length ? keyFingerprint(input.keys[0]) : 'no key given',
    verify,
    checkpoints: await checkpointsIn(input.source, input.keys, input.period),
    deployers: input.deployers ?? [],
    queries: await runReportQueries(input.engine, input.period),
    ...(input.athena ? { athena: input.athena } : {}),
  };
}
