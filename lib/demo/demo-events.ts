import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { JsonObject } from '../core/json';

/** The demo's bundled events (see demo/events/PROVENANCE.md). */
export const DEMO_EVENTS_DIR = join(__dirname, '..', '..', 'demo', 'events');
export const DEMO_TRAIL_LOGS_DIR = join(DEMO_EVENTS_DIR, 'trail-logs');

export interface TrailLogFile {
  key: string;
  records: JsonObject[];
}

export function demoTrailLogs(dir = DEMO_TRAIL_LOGS_DIR): TrailLogFile[] {
  const files: TrailLogFile[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.json.gz')) {
        const parsed = JSON.parse(gunzipSync(readFileSync(p)).toString('utf8')) as { Records: JsonObject[] };
        files.push({ key: relative(dir, p).split(sep).join('/'), records: parsed.Records });
      }
    }
  };
  walk(dir);
  return files;
}

export function demoStateChanges(dir = DEMO_EVENTS_DIR): JsonObject[] {
  return readFileSync(join(dir, 'state-changes.ndjson'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as JsonObject);
}

/** The image digest the demo's pipeline attests (its ECS task runs signed); the other task's is not. */
export const DEMO_ATTESTED_DIGEST = 'sha256:' + '1f'.repeat(32);
