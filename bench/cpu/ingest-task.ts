import { createHash } from 'node:crypto';
import { canonicalBytes } from '../../lib/core/canonical';
import { buildBatch, emptyHead, genesisDraft, recordHash, type ChainHead } from '../../lib/core/chain';
import { defaultDetectionConfig, loadSigmaRules, runDetectors, type DetectionContext } from '../../lib/core/detect';
import type { JsonValue } from '../../lib/core/json';
import { normalizeEvent } from '../../lib/core/normalize';
import { parseJson } from '../../lib/core/parse-json';
import type { AuditRecordOf, RecordDraft } from '../../lib/core/record';
import { draftFromMessage } from '../../lib/commit/drafts';
import { ORIGIN, RECORDS_PER_OBJECT } from '../archive/generate';
import { eventStream, loadTemplates, type StreamEvent } from '../corpus/event-stream';
import { best, perSecond, round, timed, type Timing } from './measure';

const VIA = { channel: 'eventbridge' as const, logFile: null };

/**
 * The ingest Lambda's CPU work per event, AWS I/O left out: each message body
 * through draftFromMessage (parse, validate, normalize), RECORDS_PER_OBJECT
 * events per shard into buildBatch (canonical bytes, record hashes, Merkle
 * frontier, the batch object's bytes and key), as the ingest function commits
 * a staged object's events per shard (commitDrafts).
 */
function ingestAll(events: readonly StreamEvent[]): number {
  const heads = new Map<string, ChainHead>();
  const pending = new Map<string, RecordDraft[]>();
  let bytes = 0;
  const flush = (shard: string, drafts: RecordDraft[], time: number) => {
    const head = heads.get(shard) ?? emptyHead(shard);
    const batch = buildBatch(head, head.seq === -1 ? [genesisDraft(shard, ORIGIN), ...drafts] : drafts, new Date(time));
    heads.set(shard, batch.newHead);
    bytes += batch.body.length;
  };
  for (const e of events) {
    const drafts = pending.get(e.shard) ?? [];
    drafts.push(draftFromMessage(e.body, VIA).draft);
    if (drafts.length === RECORDS_PER_OBJECT) {
      flush(e.shard, drafts, e.time);
      pending.set(e.shard, []);
    } else pending.set(e.shard, drafts);
  }
  for (const [shard, drafts] of pending) if (drafts.length > 0) flush(shard, drafts, events.at(-1)!.time);
  return bytes;
}

/** The floor: what any ingest must do at least, parse the message and hash its bytes. */
function parseAndHash(events: readonly StreamEvent[]): void {
  for (const e of events) {
    JSON.parse(e.body);
    createHash('sha256').update(e.body).digest();
  }
}

/** Each stage on its own, over the same events, to see where the time goes. */
async function stages(events: readonly StreamEvent[]) {
  const n = events.length;
  const rate = (t: Timing) => Math.round(perSecond(n, t.cpuMs));
  const parse = await timed(() => events.map((e) => parseJson(e.body)));
  const normalize = await timed(() => parse.value.map((raw) => normalizeEvent(raw)));
  const records = events.map((e, i) => ({
    chain: { v: 1, shard: e.shard, seq: i, prev: '0'.repeat(64), kind: 'event', id: `bench-${i}`, time: new Date(e.time).toISOString() },
    data: { event: normalize.value[i], raw: parse.value[i], via: VIA },
  })) as unknown as JsonValue[];
  const canonical = await timed(() => records.map((r) => canonicalBytes(r)));
  const hashing = await timed(() => canonical.value.forEach((b) => recordHash(b)));
  const stringify = await timed(() => records.forEach((r) => JSON.stringify(r)));
  return {
    parse_json_per_s: rate(parse.timing),
    normalize_per_s: rate(normalize.timing),
    canonical_bytes_per_s: rate(canonical.timing),
    record_hash_per_s: rate(hashing.timing),
    plain_json_stringify_of_record_per_s: rate(stringify.timing),
    avg_record_bytes: Math.round(canonical.value.reduce((s, b) => s + b.length, 0) / n),
  };
}

/** The detectors the ingest Lambda runs on each event record (built-ins and the project's Sigma rules). */
async function detectorsRate(events: readonly StreamEvent[], sigmaDir: string): Promise<{ per_s: number; rules: number; alerts: number }> {
  const sigma = loadSigmaRules([{ dir: sigmaDir, origin: 'project' }]);
  const ctx: DetectionContext = {
    config: defaultDetectionConfig(),
    attestations: { find: async () => [] },
    trustedKeys: [],
    sigmaRules: sigma.rules,
  };
  const head = emptyHead('api');
  const batch = buildBatch(head, [genesisDraft('api', ORIGIN), ...events.map((e) => draftFromMessage(e.body, VIA).draft)], new Date(0));
  const records = batch.records.filter((r) => r.chain.kind === 'event') as AuditRecordOf<'event'>[];
  let alerts = 0;
  const t = await timed(async () => {
    for (const r of records) alerts += (await runDetectors(r, ctx)).length;
  });
  return { per_s: Math.round(perSecond(records.length, t.timing.cpuMs)), rules: sigma.rules.length, alerts };
}

export async function ingestTask(args: { events: number; repeats: number; dataDir: string; sigmaDir: string }) {
  const events = [...eventStream(loadTemplates(args.dataDir), args.events)];
  const bodyBytes = events.reduce((n, e) => n + Buffer.byteLength(e.body), 0);
  const ingestRuns: Timing[] = [];
  const refRuns: Timing[] = [];
  let batchBytes = 0;
  for (let i = 0; i < args.repeats; i++) {
    refRuns.push((await timed(() => parseAndHash(events))).timing);
    const r = await timed(() => ingestAll(events));
    batchBytes = r.value;
    ingestRuns.push(r.timing);
  }
  const ing = best(ingestRuns);
  const ref = best(refRuns);
  const ingestRate = perSecond(events.length, ing.cpuMs);
  const refRate = perSecond(events.length, ref.cpuMs);
  return {
    events: events.length,
    repeats: args.repeats,
    avg_event_bytes: Math.round(bodyBytes / events.length),
    avg_record_bytes_in_batches: Math.round(batchBytes / events.length),
    ingest_events_per_s_per_core: Math.round(ingestRate),
    parse_hash_events_per_s_per_core: Math.round(refRate),
    ingest_vs_parse_hash_ratio: round(ingestRate / refRate, 3),
    ingest_wall_events_per_s: Math.round(perSecond(events.length, ing.wallMs)),
    stages: await stages(events.slice(0, Math.min(events.length, 20_000))),
    detectors: await detectorsRate(events.slice(0, Math.min(events.length, 5_000)), args.sigmaDir),
  };
}
