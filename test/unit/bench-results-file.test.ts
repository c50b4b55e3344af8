import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

// The keys issue 9 asks bench/results.json to carry, so figures can be tracked from run to run.
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
];

describe('the committed bench/results.json', () => {
  const results = JSON.parse(readFileSync(join(__dirname, '../../bench/results.json'), 'utf8')) as Record<string, unknown> & { run: { mode: string } };

  it('is a full run with every tracked figure a positive number (a --only or --quick run must not be committed)', () => {
    expect(results.run.mode).toBe('full');
    for (const key of REQUIRED) {
      expect(typeof results[key], key).toBe('number');
      expect(results[key] as number, key).toBeGreaterThan(0);
    }
  });
});
