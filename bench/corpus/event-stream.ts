import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Real-shaped events for the benchmarks: the sample in bench/data/events.ndjson
 * (copied from published CloudTrail records and EventBridge events, see
 * bench/data/PROVENANCE.md), each delivered many times with a new id and time,
 * so every event is unique, as an EventBridge rule delivers it to the queue.
 */
export const DATA_DIR = join(__dirname, '..', 'data');

type Json = Record<string, unknown>;

export interface Template {
  shard: string;
  envelope: Json;
  /** The CloudTrail record inside an "... via CloudTrail" envelope, else null. */
  record: Json | null;
}

/**
 * Shard mix of the generated stream, per 100 events: API calls dominate a real
 * account's captured events; state changes of instances, tasks and images follow.
 */
export const SHARD_MIX: readonly { shard: string; per100: number }[] = [
  { shard: 'api', per100: 83 },
  { shard: 'ec2', per100: 8 },
  { shard: 'ecs', per100: 5 },
  { shard: 'autoscaling', per100: 2 },
  { shard: 'ecr', per100: 2 },
];

/** One captured event as the queue delivers it. */
export interface StreamEvent {
  index: number;
  shard: string;
  /** The message body: the EventBridge envelope, JSON. */
  body: string;
  /** Event time (ms since epoch). */
  time: number;
}

/**
 * The sample's events with the shard each lands in under the stack's default
 * shard plan (sources.json). `dataDir` is explicit when this runs bundled
 * (then __dirname is the bundle's folder).
 */
export function loadTemplates(dataDir: string = DATA_DIR): Template[] {
  const lines = readFileSync(join(dataDir, 'events.ndjson'), 'utf8').split('\n').filter(Boolean);
  const sources = JSON.parse(readFileSync(join(dataDir, 'sources.json'), 'utf8')) as { line: number; shard: string }[];
  return lines.map((line, i) => {
    const envelope = JSON.parse(line) as Json;
    const viaCloudTrail = String(envelope['detail-type']).endsWith(' via CloudTrail');
    return { shard: sources[i].shard, envelope, record: viaCloudTrail ? (envelope.detail as Json) : null };
  });
}

/** A UUID-shaped id that is unique per (index, salt) and stable from run to run. */
export function stableUuid(index: number, salt: number): string {
  const a = (index >>> 0).toString(16).padStart(8, '0');
  const b = Math.floor(index / 2 ** 32)
    .toString(16)
    .padStart(4, '0');
  const s = (salt & 0xfff).toString(16).padStart(3, '0');
  // Mix the index into the last group so ids do not share long prefixes.
  const mix = ((Math.imul(index ^ 0x9e3779b9, 0x85ebca6b) >>> 0) ^ salt).toString(16).padStart(8, '0');
  return `${a}-${b}-4${s}-8${mix.slice(0, 3)}-${mix}${a.slice(4)}`;
}

export interface StreamOptions {
  /** Start of the stream (ms since epoch). */
  start?: number;
  /** Events per day of simulated time. */
  perDay?: number;
}

/**
 * `count` unique events in time order, shards interleaved by SHARD_MIX,
 * templates of each shard taken in turn. Mutates the shared templates while
 * serializing (cheap; never keep a template across calls).
 */
export function* eventStream(templates: readonly Template[], count: number, opts: StreamOptions = {}): Generator<StreamEvent> {
  const start = opts.start ?? Date.UTC(2026, 0, 1);
  const step = 86_400_000 / (opts.perDay ?? 40_000);
  const byShard = new Map<string, Template[]>();
  for (const t of templates) byShard.set(t.shard, [...(byShard.get(t.shard) ?? []), t]);
  const cycle: string[] = [];
  for (const m of SHARD_MIX) for (let i = 0; i < m.per100; i++) cycle.push(m.shard);
  // Spread each shard over the cycle rather than in runs (api x83 then ec2 x8 ...).
  const order = cycle
    .map((s, i) => ({ s, k: (i * 37) % cycle.length }))
    .sort((x, y) => x.k - y.k)
    .map((x) => x.s);
  const turn = new Map<string, number>();
  for (let i = 0; i < count; i++) {
    const shard = order[i % order.length];
    const list = byShard.get(shard);
    if (!list || list.length === 0) throw new Error(`the sample has no event for shard ${shard}`);
    const n = turn.get(shard) ?? 0;
    turn.set(shard, n + 1);
    const t = list[n % list.length];
    const time = Math.round(start + i * step);
    const iso = new Date(time).toISOString().replace(/\.\d{3}Z$/, 'Z');
    t.envelope.id = stableUuid(i, 1);
    t.envelope.time = iso;
    if (t.record) {
      t.record.eventID = stableUuid(i, 2);
      t.record.eventTime = iso;
      if (typeof t.record.requestID === 'string') t.record.requestID = stableUuid(i, 3);
    }
    yield { index: i, shard, body: JSON.stringify(t.envelope), time };
  }
}
