import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

// The keys issues 9 and 13 ask bench/results.json to carry, so figures can be tracked from run to run.
const REQUIRED = [
  'verify_records_per_s',
  'verify_mb_per_s',
  'openssl_mb_per_s',
  'verify_vs_openssl_ratio',
  'ingest_events_per_s_per_core',
  'ingest_vs_parse_hash_ratio',
  'proof_storage_reads',
  'proof_verify_ms',
  'usd_per_million_events',
  'cloudtrail_lake_usd_per_million_events',
  'bundle_bytes',
  'init_ms',
  // issue 13
  'usd_per_million_events_full_capture',
  'events_per_object',
  'live_lane_latency_s',
];

describe('the committed bench/results.json', () => {
  const results = JSON.parse(readFileSync(join(__dirname, '../../bench/results.json'), 'utf8')) as Record<string, unknown> & {
    run: { mode: string; merged?: { mode: string; sections: string[] }[] };
    cost: Record<string, { run: { events: number; archive: { ok: boolean } } }>;
  };

  it('is a full run with every tracked figure a positive number (a --only or --quick run must not be committed)', () => {
    expect(results.run.mode).toBe('full');
    for (const key of REQUIRED) {
      expect(typeof results[key], key).toBe('number');
      expect(results[key] as number, key).toBeGreaterThan(0);
    }
    // Sections re-measured on their own (npm run bench -- --only=cost --merge) must be full-size runs too.
    for (const m of results.run.merged ?? []) expect(m.mode, m.sections.join(',')).toBe('full');
  });

  it('carries the cost of both workloads and the attack sample, each from a verified archive of a full-size run', () => {
    for (const w of ['writes', 'full', 'attack']) expect(results.cost[w].run.archive.ok, w).toBe(true);
    expect(results.cost.writes.run.events).toBeGreaterThanOrEqual(20_000);
    expect(results.cost.full.run.events).toBeGreaterThanOrEqual(20_000);
  });
});
