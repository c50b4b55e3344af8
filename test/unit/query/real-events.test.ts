import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JsonValue } from '../../../lib/core/json';
import type { NormalizedEvent } from '../../../lib/core/normalized';
import { normalizeEvent } from '../../../lib/core/normalize';
import { DuckDbQueryEngine } from '../../../lib/query/duckdb-engine';
import { NAMED_QUERIES } from '../../../lib/query/named-queries';
import { ArchiveBuilder, eventDraft } from './archive-fixture';

const FIXTURES = join(__dirname, '..', '..', 'fixtures', 'events');

/** Every fixture event the normalizer accepts, once per event id, with its raw form. */
function fixtureEvents(): { event: NormalizedEvent; raw: JsonValue }[] {
  const seen = new Set<string>();
  const out: { event: NormalizedEvent; raw: JsonValue }[] = [];
  for (const file of readdirSync(FIXTURES)
    .filter((f) => f.endsWith('.ndjson'))
    .sort()) {
    for (const line of readFileSync(join(FIXTURES, file), 'utf8').split('\n')) {
      if (line.trim() === '') continue;
      const raw = JSON.parse(line) as JsonValue;
      let event: NormalizedEvent;
      try {
        event = normalizeEvent(raw);
      } catch {
        continue; // quarantined by ingest; not what this test is about
      }
      if (seen.has(event.eventId)) continue;
      seen.add(event.eventId);
      out.push({ event, raw });
    }
  }
  return out;
}

describe('DuckDB over normalized real-world events', () => {
  let dir: string;
  let engine: DuckDbQueryEngine;
  let events: { event: NormalizedEvent; raw: JsonValue }[];

  beforeAll(async () => {
    events = fixtureEvents();
    const builder = new ArchiveBuilder();
    for (let i = 0; i < events.length; i += 7) {
      const batch = events.slice(i, i + 7).map(({ event, raw }) => {
        const d = eventDraft(event);
        return d.kind === 'event' ? { ...d, data: { ...d.data, raw } } : d;
      });
      builder.commit(`s${(i / 7) % 3}`, '2026-03-01', batch);
    }
    dir = mkdtempSync(join(tmpdir(), 'immutrail-query-real-'));
    builder.writeTo(dir);
    engine = await DuckDbQueryEngine.fromDirectory(dir);
  });

  afterAll(async () => {
    await engine?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('loads every event with its fields, time and original JSON intact', async () => {
    expect(events.length).toBeGreaterThan(30);
    const r = await engine.run({
      sql: `SELECT event_id, event_ts IS NOT NULL AS has_ts, action, service, category, error_code, actor_type, actor_arn,
                   actor_console, actor_mfa, state, resources, raw_event
            FROM records WHERE kind = 'event'`,
    });
    expect(r.rows).toHaveLength(events.length);
    const byId = new Map(r.rows.map((row) => [row[0], Object.fromEntries(r.columns.map((c, i) => [c, row[i]]))]));
    for (const { event, raw } of events) {
      const row = byId.get(event.eventId)!;
      expect(row, event.eventId).toMatchObject({
        has_ts: true,
        action: event.action,
        service: event.service,
        category: event.category,
        error_code: event.errorCode,
        actor_type: event.actor.type,
        actor_arn: event.actor.arn,
        actor_console: event.actor.console,
        actor_mfa: event.actor.mfa,
        state: event.state,
        resources: event.resources,
      });
      expect(JSON.parse(row.raw_event as string)).toEqual(raw);
    }
  });

  it('runs every named query', async () => {
    for (const q of NAMED_QUERIES) {
      const params = Object.fromEntries(q.parameters.filter((p) => p.default === undefined).map((p) => [p.name, p.example]));
      await expect(engine.run({ name: q.name, params }), q.name).resolves.toHaveProperty('rows');
    }
  });
});
