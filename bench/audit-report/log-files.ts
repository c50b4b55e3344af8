import type { JsonObject } from '../../lib/core/json';
import { demoTrailLogs } from '../../lib/demo/demo-events';
import { READ_ONLY_SHARE, RECORDS_PER_FILE, scaleEventId, scaleTemplates, type ScaleTemplates } from '../../lib/demo/scale-events';

/**
 * A month of CloudTrail log files for the report benchmark: each day the
 * demo's background (READ_ONLY_SHARE read-only calls, the rest routine writes
 * by the deploy pipeline, as the demo's scale run makes them) and, once a day,
 * the demo's own story (hand changes, an unsigned launch, a trail stopped,
 * console sign-ins), so every section of the report has rows, every day.
 */
export interface ReportLogFile {
  key: string;
  records: JsonObject[];
}

const DAY_MS = 86_400_000;
/**
 * Read-only calls of the demo's attack that a Sigma rule flags: as background
 * they would make a third of all events alerts. The story keeps them, once a day.
 */
const ATTACK_READS = new Set(['GetPasswordData', 'GetSecretValue']);
const stamp = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

function keyOf(record: JsonObject, n: number): string {
  const account = String(record.recipientAccountId ?? '111122223333');
  const region = String(record.awsRegion ?? 'us-east-1');
  const time = String(record.eventTime);
  return `AWSLogs/${account}/CloudTrail/${region}/${time.slice(0, 10).replace(/-/g, '/')}/${account}_CloudTrail_${region}_${time.replace(/[-:]/g, '').slice(0, 13)}Z_bench${String(n).padStart(7, '0')}.json.gz`;
}

/** The story's records of the demo, each once, re-dated to `day` (kept in their order, a second apart). */
function storyOf(story: readonly JsonObject[], dayStart: number, next: () => number): JsonObject[] {
  return story.map((r, i) => {
    const n = next();
    return { ...r, eventID: scaleEventId(n), requestID: scaleEventId(n + 2e9), eventTime: stamp(dayStart + 12 * 3_600_000 + i * 1000) };
  });
}

/** `total` events over `days` days from `start`, as log files of RECORDS_PER_FILE records (a story file a day on top). */
export function* reportLogFiles(total: number, days: number, start: number): Generator<ReportLogFile> {
  const logs = demoTrailLogs();
  const all = scaleTemplates(logs);
  const t: ScaleTemplates = { ...all, readOnly: all.readOnly.filter((r) => !ATTACK_READS.has(String(r.eventName))) };
  const story = logs.flatMap((f) => f.records);
  const perDay = Math.ceil(total / days);
  let index = 0;
  let files = 0;
  const next = () => index++;
  for (let day = 0, left = total; day < days && left > 0; day++) {
    const dayStart = start + day * DAY_MS;
    const today = Math.min(perDay, left);
    left -= today;
    for (let first = 0; first < today; first += RECORDS_PER_FILE) {
      const records: JsonObject[] = [];
      for (let i = first; i < Math.min(today, first + RECORDS_PER_FILE); i++) {
        const n = next();
        const write = n % 20 >= Math.round(20 * READ_ONLY_SHARE);
        const pool = write ? t.writes : t.readOnly;
        records.push({
          ...pool[n % pool.length],
          eventID: scaleEventId(n),
          requestID: scaleEventId(n + 2e9),
          eventTime: stamp(dayStart + Math.floor((i * DAY_MS) / today)),
        });
      }
      yield { key: keyOf(records[0], files++), records };
    }
    const told = storyOf(story, dayStart, next);
    yield { key: keyOf(told[0], files++), records: told };
  }
}
