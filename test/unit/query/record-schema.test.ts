import { describe, expect, it } from 'vitest';
import type { JsonValue } from '../../../lib/core/json';
import type { AuditRecord } from '../../../lib/core/record';
import { glueColumns, gluePartitionKeys, projectionParameters, storageLocationTemplate } from '../../../lib/query/glue-schema';
import { RECORD_SCHEMA, duckdbType, fieldAt, hiveType, type FieldType } from '../../../lib/query/record-schema';
import { RECORDS_COLUMNS } from '../../../lib/query/records-relation';
import { parseParamArgs, describeNamedQueries } from '../../../lib/query/query-command';
import { NAMED_QUERIES } from '../../../lib/query/named-queries';
import { NO_ACTOR, eventDraft, event } from './archive-fixture';
import { buildScenario } from './scenario';

/** Every leaf of a record with its path ('[]' for array elements); json and map fields count as leaves. */
function leaves(value: JsonValue, path: string[] = []): { path: string[]; value: JsonValue }[] {
  if (path.length > 0) {
    const t = typeAt(path);
    if (t.kind === 'json' || t.kind === 'string-map') return [{ path, value }];
  }
  if (Array.isArray(value)) return value.flatMap((v) => leaves(v, [...path, '[]']));
  if (value !== null && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => leaves(v, [...path, k]));
  return [{ path, value }];
}

function typeAt(path: string[]): FieldType {
  let t: FieldType = RECORD_SCHEMA;
  for (const key of path) {
    if (key === '[]') {
      if (t.kind !== 'array') throw new Error(`${path.join('.')}: not an array`);
      t = t.element;
    } else {
      if (t.kind !== 'struct') throw new Error(`${path.join('.')}: ${key} inside ${t.kind}`);
      const f: { type: FieldType } | undefined = t.fields.find((x) => x.name === key);
      if (!f) throw new Error(`${path.join('.')}: the schema has no ${key}`);
      t = f.type;
    }
  }
  return t;
}

function structs(t: FieldType): FieldType[] {
  if (t.kind === 'struct') return [t, ...t.fields.flatMap((f) => structs(f.type))];
  if (t.kind === 'array') return structs(t.element);
  return [];
}

describe('record schema', () => {
  it('has a typed column for every value of every kind of record, with every event field set', () => {
    const full = event({
      eventTime: '2026-01-01T00:00:00Z',
      action: 'RunInstances',
      readOnly: false,
      errorCode: 'x',
      errorMessage: 'y',
      state: 'running',
      tags: { env: 'prod' },
      resources: [{ type: 'AWS::EC2::Instance', id: 'i-1', arn: 'arn:aws:ec2:::instance/i-1' }],
      actor: Object.fromEntries(Object.keys(NO_ACTOR).map((k) => [k, k === 'console' || k === 'mfa' ? true : k])) as never,
    });
    const records: AuditRecord[] = [
      ...[...buildScenario().builder.objects.values()].flatMap((body) =>
        body
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l) as AuditRecord),
      ),
      { chain: { v: 1, shard: 's', seq: 1, prev: '0', kind: 'event', id: 'x', time: 't' }, data: eventDraft(full).data } as AuditRecord,
    ];
    const kinds = new Set(records.map((r) => r.chain.kind));
    expect([...kinds].sort()).toEqual(['alert', 'attestation', 'coverage', 'event', 'genesis', 'quarantine']);
    for (const r of records) {
      for (const { path: p, value: v } of leaves(r as unknown as JsonValue)) {
        const t = typeAt(p);
        if (v === null || t.kind === 'json' || t.kind === 'string-map') continue;
        const expected = { string: 'string', int: 'number', bigint: 'number', boolean: 'boolean' }[t.kind as 'string'];
        expect(typeof v, p.join('.')).toBe(expected);
      }
    }
  });

  it('has no two fields of one struct that differ only in case (the OpenX SerDe matches keys case-insensitively)', () => {
    for (const s of structs(RECORD_SCHEMA)) {
      if (s.kind !== 'struct') continue;
      const lower = s.fields.map((f) => f.name.toLowerCase());
      expect(new Set(lower).size).toBe(lower.length);
    }
  });

  it('renders the same tree for Glue and DuckDB', () => {
    const resources = fieldAt(['data', 'event', 'resources']);
    expect(hiveType(resources)).toBe('array<struct<type:string,id:string,arn:string>>');
    expect(duckdbType(resources)).toBe('STRUCT("type" VARCHAR, "id" VARCHAR, "arn" VARCHAR)[]');
    expect(hiveType(fieldAt(['data', 'event', 'tags']))).toBe('map<string,string>');
    expect(duckdbType(fieldAt(['data', 'raw']))).toBe('JSON');
    expect(hiveType(fieldAt(['data', 'raw']))).toBe('string');
    expect(() => fieldAt(['data', 'nope'])).toThrow(/no field nope/);
  });

  it('gives every records column a unique snake_case name', () => {
    const names = RECORDS_COLUMNS.map((c) => c.name);
    expect(new Set(names).size).toBe(names.length);
    for (const n of names) expect(n).toMatch(/^[a-z][a-z0-9_]*$/);
  });
});

describe('glue schema', () => {
  it('declares chain and data columns and the partition keys of the layout', () => {
    expect(glueColumns().map((c) => c.name)).toEqual(['chain', 'data']);
    expect(gluePartitionKeys()).toEqual([
      { name: 'shard', type: 'string' },
      { name: 'dt', type: 'string' },
    ]);
    expect(storageLocationTemplate('b')).toBe('s3://b/records/shard=${shard}/dt=${dt}/');
  });

  it('refuses projections that could not match the writer', () => {
    expect(() => projectionParameters('b', { shards: [] })).toThrow(/at least one shard/);
    expect(() => projectionParameters('b', { shards: ['Bad_Shard'] })).toThrow(/invalid shard/);
    expect(() => projectionParameters('b', { shards: ['api'], startDate: '2026/01/01' })).toThrow(/YYYY-MM-DD/);
    expect(projectionParameters('b', { shards: ['api', 'api', 'ec2'] })['projection.shard.values']).toBe('api,ec2');
  });
});

describe('query command helpers', () => {
  it('parses --param name=value, keeping "=" in values and refusing repeats', () => {
    expect(parseParamArgs(['resource=sg-1', 'q=a=b'])).toEqual({ resource: 'sg-1', q: 'a=b' });
    expect(() => parseParamArgs(['novalue'])).toThrow(expect.objectContaining({ code: 'INVALID_PARAMETER' }));
    expect(() => parseParamArgs(['a=1', 'a=2'])).toThrow(/twice/);
  });

  it('lists every named query with its parameters', () => {
    const text = describeNamedQueries();
    for (const q of NAMED_QUERIES) {
      expect(text).toContain(q.name);
      for (const p of q.parameters) expect(text).toContain(`--param ${p.name}=`);
    }
  });
});
