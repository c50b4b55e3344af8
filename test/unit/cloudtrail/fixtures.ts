import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The trail-log fixtures (test/fixtures/trail-logs): a copy of a trail bucket plus its manifest. */
export const TRAIL_FIXTURES = join(__dirname, '..', '..', 'fixtures', 'trail-logs');
export const FIXTURE_BUCKET_DIR = join(TRAIL_FIXTURES, 'bucket');

export interface FixtureRecord {
  source: 'stratus-red-team' | 'immutrail-handwritten' | 'immutrail-generated';
  line: number;
  eventID: string | null;
}

export interface FixtureManifest {
  trailBucket: string;
  digest: string;
  files: { key: string; sha256: string; records: FixtureRecord[] }[];
}

export const manifest: FixtureManifest = JSON.parse(readFileSync(join(TRAIL_FIXTURES, 'manifest.json'), 'utf8'));

export const fixtureBody = (key: string): Buffer => readFileSync(join(FIXTURE_BUCKET_DIR, key));

const lines = (name: string): string[] =>
  readFileSync(join(TRAIL_FIXTURES, 'records', name), 'utf8')
    .split('\n')
    .filter(Boolean);

/** The original text of every fixture record, by eventID (as written into the log files). */
export function recordTexts(): Map<string, string> {
  const m = new Map<string, string>();
  for (const name of ['stratus-red-team.cloudtrail.ndjson', 'immutrail-handwritten.ndjson', 'immutrail-generated.ndjson']) {
    for (const l of lines(name)) m.set((JSON.parse(l) as { eventID: string }).eventID, l);
  }
  return m;
}
