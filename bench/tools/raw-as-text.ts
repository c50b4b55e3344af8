/**
 * Evidence for an option in docs/BENCHMARKS.md (not part of `npm run bench`):
 * how much cheaper canonical bytes get if a record embeds the raw event as the
 * delivered JSON text (one string) instead of the parsed object. Same records
 * otherwise. Run it bundled, as the Lambda runs:
 *
 *   npx esbuild bench/tools/raw-as-text.ts --bundle --platform=node --minify --outfile=bench/out/rat.cjs && node bench/out/rat.cjs
 */
import { canonicalBytes } from '../../lib/core/canonical';
import type { JsonValue } from '../../lib/core/json';
import { draftFromMessage } from '../../lib/commit/drafts';
import { eventStream, loadTemplates } from '../corpus/event-stream';

const N = 20_000;
const events = [...eventStream(loadTemplates(), N)];
const record = (body: string, i: number, rawAsText: boolean): JsonValue => {
  const data = draftFromMessage(body, { channel: 'eventbridge', logFile: null }).draft.data as unknown as Record<string, unknown>;
  return {
    chain: { v: 1, shard: 'api', seq: i, prev: '0'.repeat(64), kind: 'event', id: `x${i}`, time: '2026-01-01T00:00:00.000Z' },
    data: rawAsText ? { ...data, raw: body } : data,
  } as unknown as JsonValue;
};
const asObject = events.map((e, i) => record(e.body, i, false));
const asText = events.map((e, i) => record(e.body, i, true));
const rate = (name: string, records: readonly JsonValue[]) => {
  const c0 = process.cpuUsage();
  let bytes = 0;
  for (const r of records) bytes += canonicalBytes(r).length;
  const c = process.cpuUsage(c0);
  console.log(name.padEnd(16), String(Math.round(N / ((c.user + c.system) / 1e6))).padStart(8), 'records per CPU-second,', Math.round(bytes / N), 'bytes each');
};
for (let round = 0; round < 3; round++) {
  rate('raw as object', asObject);
  rate('raw as text', asText);
}
