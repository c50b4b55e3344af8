import { RECORDS_PREFIX, SEQ_DIGITS } from '../core/layout';
import { fieldAt, quoteIdent } from './record-schema';

/**
 * The `records` relation every query reads: one row per committed record, with
 * the nested record flattened into columns. It is defined once here and
 * rendered for each engine by a small Dialect; all that differs is where the
 * raw rows come from, how struct fields are named, and how text becomes a
 * timestamp or JSON text.
 *
 * Orphans. A batch object written by a writer that then lost the race to move
 * the shard's head is an orphan: its sequence range overlaps a committed
 * batch's. The relation drops them with a rule that needs only what is in the
 * archive (no hashing, so it is the same SQL on Athena and DuckDB):
 *
 *   - a batch is *linked* when another batch of its shard starts at its
 *     lastSeq+1 and that batch's first record's `prev` begins with its batchId
 *     (the batch id is the first 16 hex digits of the batch's last record hash,
 *     so the next committed record names exactly one predecessor);
 *   - an unlinked batch whose range overlaps a linked batch is an orphan and
 *     is dropped;
 *   - what remains can still hold two copies of a record only at a shard's tip
 *     (two unlinked overlapping batches, nothing committed after them yet), so
 *     records are deduplicated on chain.id, preferring the linked copy.
 *
 * At the tip the rule cannot tell which of two batches is committed (only the
 * chain head in DynamoDB or a later checkpoint can): an orphan there that
 * holds events not yet committed elsewhere shows up until the shard's next
 * commit. The local engine therefore also takes the verifier's orphan keys and
 * drops those objects before loading; on Athena that gap is documented.
 * The rule assumes a writer never builds on a batch it did not commit, which
 * is what the compare-and-swap on the head guarantees.
 */

/** A batch key as a regex the SQL engines accept (RE2 in DuckDB, Joni in Trino): groups shard, dt, firstSeq, lastSeq, batchId. */
export const BATCH_KEY_SQL_REGEX = `${RECORDS_PREFIX}shard=([a-z0-9][a-z0-9-]{0,31})/dt=(\\d{4}-\\d{2}-\\d{2})/(\\d{${SEQ_DIGITS}})-(\\d{${SEQ_DIGITS}})-([0-9a-f]{16})\\.ndjson$`;

export interface Dialect {
  readonly name: 'athena' | 'duckdb';
  /** A SELECT yielding (object_key, chain, data) for every record line of every batch object. */
  readonly source: string;
  /** A struct field reference for a record path. */
  field(path: readonly string[]): string;
  /** ISO 8601 text to a timestamp with time zone; null when unparseable. */
  timestamp(expr: string): string;
  /** A JSON-typed field to its JSON text. */
  jsonText(expr: string): string;
  /** A SELECT over `records` with one row per (record, resource): every records column plus resource_type, resource_id, resource_arn. */
  readonly recordResources: string;
}

/** Where the two columns that do not come from the record line are read: the batch object's key and its dt partition. */
export interface BatchRefs {
  objectKey: string;
  dt: string;
}

export interface Column {
  name: string;
  description: string;
  /** The column's SQL; `path` is set when it is one record field read as is (the orphan rule reads some of those back). */
  sql(d: Dialect, batch: BatchRefs): string;
  path?: readonly string[];
  /** The record fields the column reads: what a load of only some columns must parse. */
  reads: readonly (readonly string[])[];
}

const path = (p: string): string[] => p.split('.');

function col(name: string, recordPath: string, description: string): Column {
  const p = path(recordPath);
  const t = fieldAt(p); // fails at module load if the path is not in the record schema
  return {
    name,
    description,
    path: t.kind === 'json' ? undefined : p,
    reads: [p],
    sql: (d) => (t.kind === 'json' ? d.jsonText(d.field(p)) : d.field(p)),
  };
}

function ts(name: string, recordPath: string, description: string): Column {
  const p = path(recordPath);
  fieldAt(p);
  return { name, description, reads: [p], sql: (d) => d.timestamp(d.field(p)) };
}

function computed(name: string, description: string, reads: readonly string[], sql: (d: Dialect, batch: BatchRefs) => string): Column {
  return { name, description, reads: reads.map(path), sql };
}

const keyPart = (group: number): string => `regexp_extract(object_key, '${BATCH_KEY_SQL_REGEX}', ${group})`;

/** The dt partition of the batch whose key is in column object_key (what `records`.dt holds). */
export const BATCH_DT_SQL = keyPart(2);

/** The actor fields `principal` takes the first non-null of. */
const PRINCIPAL_FIELDS = ['arn', 'invokedBy', 'principalId', 'accountId'];

/** The columns of `records`, in order. Names are snake_case so they read the same in both engines' results. */
export const RECORDS_COLUMNS: readonly Column[] = [
  computed('object_key', 'S3 key of the batch object holding the record', [], (_, b) => b.objectKey),
  computed('dt', 'commit date partition of the batch (YYYY-MM-DD, UTC)', [], (_, b) => b.dt),
  col('shard', 'chain.shard', 'shard (one hash chain per shard)'),
  col('seq', 'chain.seq', 'sequence number in the shard: (shard, seq) locates the record for `immutrail prove`'),
  col('prev', 'chain.prev', 'hash of the previous record in the shard'),
  col('kind', 'chain.kind', 'genesis | event | quarantine | alert | attestation | coverage'),
  col('id', 'chain.id', 'record id, unique across the archive'),
  col('record_time', 'chain.time', 'when the record was committed (ISO 8601 text)'),
  ts('record_ts', 'chain.time', 'record_time as a timestamp'),
  col('format_version', 'chain.v', 'record format version'),
  // event
  col('event_id', 'data.event.eventId', 'CloudTrail eventID, or the EventBridge envelope id'),
  col('event_time', 'data.event.eventTime', 'when the event happened (ISO 8601 text as the source gave it)'),
  ts('event_ts', 'data.event.eventTime', 'event_time as a timestamp'),
  col('account', 'data.event.account', 'AWS account of the event'),
  col('region', 'data.event.region', 'AWS region of the event'),
  col('service', 'data.event.service', 'short service name: ec2, iam, ecs, ...'),
  col('action', 'data.event.action', 'API eventName, or EventBridge detail-type'),
  col('category', 'data.event.category', 'api-call | state-change | other'),
  col('read_only', 'data.event.readOnly', 'CloudTrail readOnly flag'),
  col('error_code', 'data.event.errorCode', 'error code of a failed call'),
  col('error_message', 'data.event.errorMessage', 'error message of a failed call'),
  col('actor_type', 'data.event.actor.type', 'userIdentity.type: IAMUser, AssumedRole, Root, AWSService, ...'),
  col('actor_arn', 'data.event.actor.arn', 'principal ARN'),
  col('actor_principal_id', 'data.event.actor.principalId', 'principal id'),
  col('actor_account_id', 'data.event.actor.accountId', 'account of the principal'),
  col('actor_user_name', 'data.event.actor.userName', 'IAM user name'),
  col('actor_session_name', 'data.event.actor.sessionName', 'role session name'),
  col('actor_session_issuer_arn', 'data.event.actor.sessionIssuerArn', 'role (or user) that issued the session'),
  col('actor_source_identity', 'data.event.actor.sourceIdentity', 'sts source identity'),
  col('actor_invoked_by', 'data.event.actor.invokedBy', "AWS service that made the call on the principal's behalf"),
  col('actor_access_key_id', 'data.event.actor.accessKeyId', 'access key used'),
  col('actor_source_ip', 'data.event.actor.sourceIp', 'source IP address'),
  col('actor_user_agent', 'data.event.actor.userAgent', 'user agent'),
  col('actor_console', 'data.event.actor.console', 'true when the call came from the AWS console'),
  col('actor_mfa', 'data.event.actor.mfa', 'MFA used for the session (null when unknown)'),
  computed(
    'principal',
    'who acted, for display: actor ARN, else invoking service, principal id or account',
    PRINCIPAL_FIELDS.map((k) => `data.event.actor.${k}`),
    (d) => `coalesce(${PRINCIPAL_FIELDS.map((k) => d.field(['data', 'event', 'actor', k])).join(', ')})`,
  ),
  col('resources', 'data.event.resources', 'resources touched: list of {type, id, arn}; see record_resources'),
  col('state', 'data.event.state', 'new state of a state-change event (running, terminated, STOPPED, ...)'),
  col('tags', 'data.event.tags', 'tags found on the event'),
  col('raw_event', 'data.raw', 'the delivered event as JSON text'),
  col('via_channel', 'data.via.channel', 'eventbridge | trail-log | backfill'),
  col('via_log_file', 'data.via.logFile', 'CloudTrail log file the event was recovered from'),
  // alert
  col('alert_id', 'data.alert.id', 'alert id'),
  col('alert_kind', 'data.alert.kind', 'drift | unsigned-launch | auditor-tampering | sigma | missed-events | ...'),
  col('alert_rule', 'data.alert.rule', 'detector or Sigma rule id'),
  col('alert_severity', 'data.alert.severity', 'low | medium | high | critical'),
  col('alert_summary', 'data.alert.summary', 'one-line summary'),
  col('alert_principal', 'data.alert.principal', 'principal the alert is about'),
  col('alert_resource', 'data.alert.resource', 'resource the alert is about'),
  col(
    'alert_account',
    'data.alert.account',
    'AWS account the alert is about (null for silence and trail health, and in alerts archived before it was recorded)',
  ),
  col('alert_event_time', 'data.alert.eventTime', 'time of the event that raised the alert (ISO 8601 text)'),
  ts('alert_event_ts', 'data.alert.eventTime', 'alert_event_time as a timestamp'),
  col('alert_event_id', 'data.alert.eventId', 'event id that raised the alert'),
  col('alert_record_shard', 'data.alert.record.shard', 'shard of the record that raised the alert'),
  col('alert_record_seq', 'data.alert.record.seq', 'seq of the record that raised the alert'),
  col('alert_details', 'data.alert.details', 'detector details as JSON text'),
  // quarantine
  col('quarantine_reason', 'data.reason', 'why the delivered bytes were quarantined'),
  col('quarantine_raw_base64', 'data.rawBase64', 'the delivered bytes, base64'),
  // attestation
  col('attestation_subject', 'data.subject', 'attested image digest or AMI id'),
  col('attestation_subject_type', 'data.subjectType', 'image-digest | ami'),
  col('attestation_key_id', 'data.keyId', 'KMS key that signed'),
  col('attestation_algorithm', 'data.algorithm', 'signing algorithm'),
  col('attestation_signature', 'data.signature', 'signature, base64'),
  col('attestation_signer', 'data.signer', 'who signed'),
  col('attestation_signed_at', 'data.signedAt', 'when it was signed'),
  // coverage
  col('coverage_log_file', 'data.logFile', 'reconciled CloudTrail log file'),
  col('coverage_total', 'data.total', 'events in the log file'),
  col('coverage_archived', 'data.archived', 'of which already archived'),
  col('coverage_recovered', 'data.recovered', 'of which recovered (backfilled) by the reconcile'),
  col('coverage_skipped', 'data.skipped', 'of which out of scope'),
  col('coverage_digest_sha256', 'data.digestSha256', "SHA-256 of the log file per CloudTrail's digest"),
  col('coverage_account', 'data.account', "account whose folder holds the log file (null outside CloudTrail's layout and in older records)"),
  col('coverage_region', 'data.region', "region whose folder holds the log file (null outside CloudTrail's layout and in older records)"),
  // genesis
  col('genesis_origin', 'data.origin', 'archive origin string'),
];

/** Extra columns of `record_resources`, after every column of `records`. */
export const RECORD_RESOURCES_EXTRA_COLUMNS = ['resource_type', 'resource_id', 'resource_arn'] as const;

/**
 * The CTEs that build `records` from the dialect's source, and the final
 * SELECT. Shared by both engines; only the Dialect hooks differ.
 *
 * The orphan rule and the deduplication work on narrow rows (key, seq, id,
 * prev) and per object; the wide flattening runs once, on the rows kept.
 */
export function recordsPipeline(d: Dialect): { ctes: [string, string][]; select: string } {
  const select = `SELECT
  ${recordsColumnList(qualified(d, 'a'), { objectKey: 'a.object_key', dt: 'k.dt' })}
FROM archive a
JOIN kept k ON k.object_key = a.object_key AND k.seq = a.${d.field(['chain', 'seq'])}`;
  return { ctes: keptCtes(d), select };
}

/** The columns of `records` (all by default) as `expr AS name`, comma-separated, in order. */
export function recordsColumnList(d: Dialect, batch: BatchRefs, columns: readonly Column[] = RECORDS_COLUMNS): string {
  return columns.map((c) => `${c.sql(d, batch)} AS ${c.name}`).join(',\n  ');
}

/** The columns the orphan rule reads back from the `records` table (see duckdbDialect): every partial load has them. */
const ORPHAN_RULE_COLUMNS = ['object_key', 'seq', 'prev', 'id'];

/**
 * The columns of `records` that some SQL names, in table order, with those the
 * orphan rule needs: what a load for a known set of queries (the report's) must
 * build. A name counts wherever it appears as a word, so a mention too many
 * only loads a column more; naming `record_resources` loads `resources`. SQL that may select `*` (any `*` but count(*))
 * gets every column.
 */
export function columnsNamedIn(sqls: readonly string[]): readonly Column[] {
  if (sqls.some((sql) => sql.replace(/count\(\*\)/gi, '').includes('*'))) return RECORDS_COLUMNS;
  const names = (sql: string, name: string): boolean => new RegExp(`\\b${name}\\b`).test(sql);
  // record_resources is built from `resources`, and has every other column of records
  const named = (c: Column): boolean =>
    ORPHAN_RULE_COLUMNS.includes(c.name) || sqls.some((sql) => names(sql, c.name) || (c.name === 'resources' && names(sql, 'record_resources')));
  return RECORDS_COLUMNS.filter(named);
}

/** The record fields a set of columns reads (for pruneStruct). */
export function fieldsReadBy(columns: readonly Column[]): (readonly string[])[] {
  return columns.flatMap((c) => c.reads);
}

/**
 * The orphan rule and the deduplication as CTEs over the dialect's source,
 * ending in `kept` (object_key, seq, dt): the record lines `records` holds.
 */
export function keptCtes(d: Dialect): [string, string][] {
  const chain = (k: string): string => d.field(['chain', k]);
  return [
    ['archive', d.source],
    [
      'lines',
      `SELECT object_key, ${chain('seq')} AS seq, ${chain('prev')} AS prev,
  coalesce(${chain('id')}, object_key || '#' || CAST(${chain('seq')} AS VARCHAR)) AS dedup_key
FROM archive`,
    ],
    [
      'objects',
      `SELECT object_key, ${keyPart(1)} AS key_shard, ${keyPart(2)} AS dt,
  TRY_CAST(${keyPart(3)} AS BIGINT) AS first_seq, TRY_CAST(${keyPart(4)} AS BIGINT) AS last_seq, ${keyPart(5)} AS batch_id
FROM (SELECT DISTINCT object_key FROM lines) o`,
    ],
    [
      'batches',
      `SELECT o.object_key, o.key_shard, o.dt, o.first_seq, o.last_seq, o.batch_id, max(substr(l.prev, 1, 16)) AS first_prev16
FROM objects o
LEFT JOIN lines l ON l.object_key = o.object_key AND l.seq = o.first_seq
GROUP BY o.object_key, o.key_shard, o.dt, o.first_seq, o.last_seq, o.batch_id`,
    ],
    [
      'linked',
      `SELECT b.object_key, b.key_shard, b.dt, b.first_seq, b.last_seq, count(n.object_key) > 0 AS has_successor
FROM batches b
LEFT JOIN batches n
  ON n.key_shard = b.key_shard AND n.first_seq = b.last_seq + 1 AND n.first_prev16 = b.batch_id
GROUP BY b.object_key, b.key_shard, b.dt, b.first_seq, b.last_seq`,
    ],
    [
      'superseded',
      `SELECT DISTINCT o.object_key
FROM linked o
JOIN linked w
  ON w.key_shard = o.key_shard AND w.has_successor AND NOT o.has_successor AND w.object_key <> o.object_key
 AND w.first_seq <= o.last_seq AND o.first_seq <= w.last_seq`,
    ],
    [
      'kept',
      `SELECT object_key, seq, dt
FROM (
  SELECT l.object_key, l.seq, k.dt,
    row_number() OVER (PARTITION BY l.dedup_key ORDER BY k.has_successor DESC, l.object_key) AS copy_rank
  FROM lines l
  JOIN linked k ON k.object_key = l.object_key
  LEFT JOIN superseded s ON s.object_key = l.object_key
  WHERE s.object_key IS NULL
) ranked
WHERE copy_rank = 1`,
    ],
  ];
}

/** The dialect with record fields read from table alias `alias`. */
function qualified(d: Dialect, alias: string): Dialect {
  return { ...d, field: (p) => `${alias}.${d.field(p)}` };
}

export function renderCtes(ctes: readonly [string, string][]): string {
  return ctes.map(([name, sql]) => `${name} AS (\n${indent(sql)}\n)`).join(',\n');
}

function indent(sql: string): string {
  return sql
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n');
}

/** Athena: nested fields lowercased as Glue stores them; OpenX hands `json` fields over as text already. */
export function athenaDialect(database: string, table: string): Dialect {
  return {
    name: 'athena',
    source: `SELECT regexp_extract("$path", '${BATCH_KEY_SQL_REGEX}') AS object_key, "chain", "data"
FROM ${quoteIdent(database)}.${quoteIdent(table)}
WHERE regexp_like("$path", '${BATCH_KEY_SQL_REGEX}')`,
    field: (p) => p.map((k) => quoteIdent(k.toLowerCase())).join('.'),
    timestamp: (e) => `try(from_iso8601_timestamp(${e}))`,
    jsonText: (e) => e,
    recordResources: `SELECT r.*, u.resource_type, u.resource_id, u.resource_arn
FROM records r
CROSS JOIN UNNEST(r.resources) AS u (resource_type, resource_id, resource_arn)`,
  };
}

/**
 * DuckDB, in two roles. The local engine builds `records` in one pass, flattening
 * each line as read_json yields it (`lineSource`: rows of object_key, chain,
 * data with the record's own key names); the orphan rule then runs over the
 * flat `records` table itself (`recordsTable`), whose columns hold the chain
 * fields it needs, and the rows it does not keep are deleted. That keeps one
 * copy of the archive in memory instead of a nested table plus a flat one.
 */
export function duckdbDialect(lineSource: string, recordsTable: string): { lines: Dialect; records: Dialect } {
  const common = {
    name: 'duckdb' as const,
    timestamp: (e: string) => `TRY_CAST(${e} AS TIMESTAMPTZ)`,
    jsonText: (e: string) => `CAST(${e} AS VARCHAR)`,
    recordResources: `SELECT * EXCLUDE (res), res."type" AS resource_type, res."id" AS resource_id, res."arn" AS resource_arn
FROM (SELECT *, unnest(resources) AS res FROM ${quoteIdent(recordsTable)})`,
  };
  return {
    lines: { ...common, source: lineSource, field: (p) => p.map(quoteIdent).join('.') },
    records: { ...common, source: `SELECT * FROM ${quoteIdent(recordsTable)}`, field: (p) => quoteIdent(recordsColumnOf(p)) },
  };
}

/** The `records` column that holds a record field as is; throws when none does. */
function recordsColumnOf(path: readonly string[]): string {
  const c = RECORDS_COLUMNS.find((x) => x.path?.join('.') === path.join('.'));
  if (!c) throw new Error(`no records column holds ${path.join('.')}`);
  return c.name;
}
