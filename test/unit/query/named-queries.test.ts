import { describe, expect, it } from 'vitest';
import { NAMED_QUERIES, SHARED_FUNCTIONS, findNamedQuery, resolveParameters, usedParameters } from '../../../lib/query/named-queries';
import { athenaNamedQueryText } from '../../../lib/query/athena-sql';

const REQUIRED = [
  'who-changed-resource',
  'resource-timeline',
  'principal-activity',
  'unsigned-launches',
  'drift-alerts',
  'failed-calls',
  'root-and-console-without-mfa',
  'iam-changes',
  'image-usage',
  'coverage-by-day',
];

/** The SQL with string literals blanked out, so only code is checked. */
const code = (sql: string): string => sql.replace(/'(?:[^']|'')*'/g, "''");

/** Words that are followed by "(" without being functions. */
const NOT_FUNCTIONS = new Set(['in', 'as', 'over', 'from', 'and', 'or', 'not', 'cast', 'exists', 'on', 'where', 'join', 'select', 'when', 'then']);

describe('named queries', () => {
  it('cover the questions auditors ask, with unique names and descriptions', () => {
    const names = NAMED_QUERIES.map((q) => q.name);
    expect(names).toEqual(expect.arrayContaining(REQUIRED));
    expect(new Set(names).size).toBe(names.length);
    for (const q of NAMED_QUERIES) {
      expect(q.description.length, q.name).toBeGreaterThan(20);
      for (const p of q.parameters) expect(p.description.length, `${q.name}:${p.name}`).toBeGreaterThan(5);
    }
  });

  it('declare exactly the parameters their SQL uses', () => {
    for (const q of NAMED_QUERIES) {
      expect(usedParameters(q).sort(), q.name).toEqual(q.parameters.map((p) => p.name).sort());
    }
  });

  it('call only functions both Trino and DuckDB define', () => {
    for (const q of NAMED_QUERIES) {
      const calls = [...code(q.sql).matchAll(/\b([a-z_][a-z0-9_]*)\s*\(/gi)].map((m) => m[1].toLowerCase()).filter((f) => !NOT_FUNCTIONS.has(f));
      for (const f of calls) expect(SHARED_FUNCTIONS as readonly string[], `${q.name} calls ${f}`).toContain(f);
    }
  });

  it('avoid constructs one of the engines lacks', () => {
    for (const q of NAMED_QUERIES) {
      const c = code(q.sql);
      expect(c, q.name).not.toMatch(/\bis\s+(not\s+)?(true|false)\b/i);
      expect(c, q.name).not.toMatch(/::|\bilike\b|\bqualify\b|\$\d/i);
      expect(c, q.name).not.toMatch(/;\s*$/);
    }
  });

  it('use parameters only in WHERE clauses (Athena accepts ? nowhere else)', () => {
    for (const q of NAMED_QUERIES) {
      const c = code(q.sql);
      for (const m of c.matchAll(/:[a-z_][a-z0-9_]*/g)) {
        const before = c.slice(0, m.index).replace(/:[a-z_][a-z0-9_]*/g, ' ');
        const clauses = [...before.matchAll(/\b(select|(?<!distinct\s+)from|where|group\s+by|order\s+by|having|on)\b/gi)];
        expect(clauses.at(-1)?.[1].toLowerCase(), `${q.name} ${m[0]} at ${m.index}`).toBe('where');
      }
    }
  });

  it('save for Athena with ? placeholders and the records preamble', () => {
    for (const q of NAMED_QUERIES) {
      const text = athenaNamedQueryText(q, 'db', 'tbl');
      expect(code(text), q.name).not.toMatch(/:[a-z_]/);
      expect(text).toMatch(/^WITH archive AS \(/);
      expect(text).toContain('records AS (');
    }
  });
});

describe('resolveParameters', () => {
  it('fills defaults and keeps given values', () => {
    const q = findNamedQuery('principal-activity');
    const values = resolveParameters(q, { principal: 'bob', to: '2026-04-01' });
    expect(values).toEqual({ principal: 'bob', from: q.parameters.find((p) => p.name === 'from')!.default, to: '2026-04-01' });
  });

  it('names the missing parameter and the unknown one', () => {
    const q = findNamedQuery('who-changed-resource');
    expect(() => resolveParameters(q, {})).toThrow(/--param resource=/);
    expect(() => resolveParameters(q, { resource: 'x', principal: 'y' })).toThrow(expect.objectContaining({ code: 'UNKNOWN_PARAMETER' }));
  });

  it('refuses a period bound that is not an ISO 8601 date or time, naming the --param, before the engine sees it (issue 17)', () => {
    const q = findNamedQuery('principal-activity');
    for (const bad of ['yesterday', '2026-13-01', '2026-02-30T00:00:00Z', "2026-01-01' OR 1=1", '']) {
      expect(() => resolveParameters(q, { principal: 'bob', from: bad })).toThrow(
        expect.objectContaining({ code: 'INVALID_PARAMETER', message: expect.stringMatching(/^--param from: .* is not an ISO 8601 date or time/) }),
      );
    }
    for (const good of ['2026-01-01', '2026-01-01T12:00:00Z', '2026-01-01T12:00:00.123+02:00', '2026-01-01 12:00']) {
      expect(resolveParameters(q, { principal: 'bob', to: good }).to).toBe(good);
    }
  });
});
