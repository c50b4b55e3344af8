import type { Alert, RecordLocation } from '../core/alert';
import type { Actor, EventData, NormalizedEvent, ResourceRef } from '../core/normalized';
import type { AlertData, AttestationData, ChainHeader, CoverageData, GenesisData, QuarantineData } from '../core/record';

/**
 * The shape of one archived record line as a typed tree, written once and
 * rendered for each reader: the Glue table (Hive type strings read by Athena's
 * OpenX JSON SerDe) and DuckDB (a STRUCT type for read_json).
 *
 * `data` is the union of every kind's payload: kinds share no key except `via`,
 * which has the same shape in event and quarantine records, so one struct holds
 * them all and the fields of other kinds are null.
 *
 * The struct() helper takes an object with exactly the keys of a core type, so
 * adding a field to NormalizedEvent, Alert, ... without adding it here fails the
 * type check instead of silently dropping a column.
 */
export type FieldType =
  | { kind: 'string' }
  | { kind: 'int' }
  | { kind: 'bigint' }
  | { kind: 'boolean' }
  /** Any JSON value, kept as its JSON text (the original event, alert details). */
  | { kind: 'json' }
  /** A JSON object of string values. */
  | { kind: 'string-map' }
  | { kind: 'array'; element: FieldType }
  | StructType;

export interface StructType {
  kind: 'struct';
  fields: readonly Field[];
}

export interface Field {
  /** The key exactly as it appears in the record JSON (camelCase). */
  readonly name: string;
  readonly type: FieldType;
}

const string: FieldType = { kind: 'string' };
const int: FieldType = { kind: 'int' };
const bigint: FieldType = { kind: 'bigint' };
const boolean: FieldType = { kind: 'boolean' };
const json: FieldType = { kind: 'json' };
const stringMap: FieldType = { kind: 'string-map' };
const arrayOf = (element: FieldType): FieldType => ({ kind: 'array', element });

function struct<T>(shape: { [K in keyof T]-?: FieldType }): StructType {
  return { kind: 'struct', fields: Object.entries(shape).map(([name, type]) => ({ name, type: type as FieldType })) };
}

const actor = struct<Actor>({
  type: string,
  arn: string,
  principalId: string,
  accountId: string,
  userName: string,
  sessionName: string,
  sessionIssuerArn: string,
  sourceIdentity: string,
  invokedBy: string,
  accessKeyId: string,
  sourceIp: string,
  userAgent: string,
  console: boolean,
  mfa: boolean,
});

const resource = struct<ResourceRef>({ type: string, id: string, arn: string });

const event = struct<NormalizedEvent>({
  eventId: string,
  eventTime: string,
  account: string,
  region: string,
  service: string,
  action: string,
  category: string,
  readOnly: boolean,
  errorCode: string,
  errorMessage: string,
  actor,
  resources: arrayOf(resource),
  state: string,
  tags: stringMap,
});

const via = struct<EventData['via']>({ channel: string, logFile: string });

const alert = struct<Alert>({
  id: string,
  kind: string,
  rule: string,
  severity: string,
  summary: string,
  principal: string,
  resource: string,
  account: string,
  eventTime: string,
  eventId: string,
  record: struct<RecordLocation>({ shard: string, seq: bigint }),
  details: json,
});

type AnyRecordData = EventData & AlertData & QuarantineData & AttestationData & CoverageData & GenesisData;

const data = struct<AnyRecordData>({
  // event
  event,
  raw: json,
  via,
  // alert
  alert,
  // quarantine
  reason: string,
  rawBase64: string,
  // attestation
  subject: string,
  subjectType: string,
  keyId: string,
  algorithm: string,
  signature: string,
  signer: string,
  signedAt: string,
  // coverage
  logFile: string,
  total: bigint,
  archived: bigint,
  recovered: bigint,
  skipped: bigint,
  digestSha256: string,
  account: string,
  region: string,
  // genesis
  origin: string,
});

const chain = struct<ChainHeader>({
  v: int,
  shard: string,
  seq: bigint,
  prev: string,
  kind: string,
  id: string,
  time: string,
});

/** The top-level keys of a record line, in the order canonical JSON writes them. */
export const RECORD_SCHEMA: StructType = struct<{ chain: ChainHeader; data: AnyRecordData }>({ chain, data });

/**
 * Hive type string as Glue stores it. Field names are lowercased: Glue keeps
 * them lowercase and the OpenX SerDe (case.insensitive=true, its default) maps
 * the record's camelCase keys onto them.
 */
export function hiveType(t: FieldType): string {
  switch (t.kind) {
    case 'string':
    case 'json': // the OpenX SerDe renders an object or array read into a string column as its JSON text
      return 'string';
    case 'int':
      return 'int';
    case 'bigint':
      return 'bigint';
    case 'boolean':
      return 'boolean';
    case 'string-map':
      return 'map<string,string>';
    case 'array':
      return `array<${hiveType(t.element)}>`;
    case 'struct':
      return `struct<${t.fields.map((f) => `${f.name.toLowerCase()}:${hiveType(f.type)}`).join(',')}>`;
  }
}

/** DuckDB type string; field names are quoted because DuckDB's JSON reader matches keys case-sensitively. */
export function duckdbType(t: FieldType): string {
  switch (t.kind) {
    case 'string':
      return 'VARCHAR';
    case 'json':
      return 'JSON';
    case 'int':
      return 'INTEGER';
    case 'bigint':
      return 'BIGINT';
    case 'boolean':
      return 'BOOLEAN';
    case 'string-map':
      return 'MAP(VARCHAR, VARCHAR)';
    case 'array':
      return `${duckdbType(t.element)}[]`;
    case 'struct':
      return `STRUCT(${t.fields.map((f) => `${quoteIdent(f.name)} ${duckdbType(f.type)}`).join(', ')})`;
  }
}

/** SQL identifier quoting, the same in Trino and DuckDB. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** The field type at a path of record keys, e.g. ['data', 'event', 'actor', 'arn']; throws when the path is not in the schema. */
export function fieldAt(path: readonly string[]): FieldType {
  let t: FieldType = RECORD_SCHEMA;
  for (const key of path) {
    if (t.kind !== 'struct') throw new Error(`record path ${path.join('.')}: ${key} is inside a ${t.kind}`);
    const f: Field | undefined = t.fields.find((x) => x.name === key);
    if (!f) throw new Error(`record path ${path.join('.')}: no field ${key}`);
    t = f.type;
  }
  return t;
}

/**
 * The struct with only the fields on `paths` (a path that ends at a struct keeps
 * all of it): the type a load of some columns hands read_json, so that the
 * fields no column reads, above all the original event (`data.raw`), are
 * skipped instead of converted. Throws on a path that is not in the struct.
 */
export function pruneStruct(struct: StructType, paths: readonly (readonly string[])[]): StructType {
  for (const p of paths) if (!struct.fields.some((f) => f.name === p[0])) throw new Error(`no field ${p[0]} in the record schema`);
  const fields: Field[] = [];
  for (const f of struct.fields) {
    const under = paths.filter((p) => p[0] === f.name);
    if (under.length === 0) continue;
    const whole = f.type.kind !== 'struct' || under.some((p) => p.length === 1);
    const tails = under.map((p) => p.slice(1));
    fields.push(whole ? f : { name: f.name, type: pruneStruct(f.type as StructType, tails) });
  }
  return { kind: 'struct', fields };
}
