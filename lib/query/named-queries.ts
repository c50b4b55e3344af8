import { QueryError } from './errors';
import { parameterNames } from './sql-params';
import type { QueryParams, QueryRequest } from './types';

/**
 * The questions auditors ask most, written once in the SQL both engines run
 * (Trino on Athena, DuckDB locally) over the `records` and `record_resources`
 * relations (see records-relation.ts).
 *
 * Rules for the shared dialect, checked by the tests:
 *  - only functions both engines define with the same meaning (SHARED_FUNCTIONS);
 *    DuckDB gets a from_iso8601_timestamp macro so times are read the Trino way;
 *  - regexp_extract returns '' on no match in DuckDB and NULL in Trino: wrap it in nullif(..., '');
 *  - no `IS TRUE`/`IS NOT TRUE` (not Trino): use `IS DISTINCT FROM true`;
 *  - parameters (`:name`) only in WHERE clauses, never quoted: Athena accepts `?` only there;
 *  - times compare as timestamps (event_ts), never as text, since sources mix precisions;
 *  - output names that are not SQL keywords in either engine (no `time`, `day`).
 */
export interface QueryParameter {
  name: string;
  description: string;
  /** Used when the caller gives no value; a parameter without a default is required. */
  default?: string;
  example: string;
  /** Checks a given value before any engine sees it: a reason when it is not one, null when it is. */
  check?: (value: string) => string | null;
}

const ISO_8601 = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

/** A period bound: DuckDB's and Athena's own errors for a bad one ("Conversion Error ...") say nothing of --param. */
export function checkIsoTime(value: string): string | null {
  return ISO_8601.test(value) && isCalendarDate(value.slice(0, 10)) && !Number.isNaN(Date.parse(value.length === 10 ? `${value}T00:00:00Z` : value))
    ? null
    : `"${value}" is not an ISO 8601 date or time (e.g. 2026-01-01 or 2026-01-01T12:00:00Z)`;
}

/** YYYY-MM-DD names a day of the calendar (Date.parse takes 2026-02-30 for March 2). */
function isCalendarDate(ymd: string): boolean {
  const [y, m, d] = ymd.split('-').map(Number);
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}

export interface NamedQuery {
  name: string;
  description: string;
  parameters: readonly QueryParameter[];
  /** The SELECT (optionally starting WITH) over records / record_resources, with :name parameters. */
  sql: string;
}

/** Functions the named queries may call: present in Trino (Athena engine 3) and DuckDB with the same meaning. */
export const SHARED_FUNCTIONS = [
  'coalesce',
  'count',
  'sum',
  'min',
  'max',
  'nullif',
  'substr',
  'split_part',
  'replace',
  'regexp_extract',
  'lower',
  'from_iso8601_timestamp',
  'row_number',
] as const;

const FROM: QueryParameter = {
  name: 'from',
  description: 'start of the period, inclusive (ISO 8601 date or time, UTC unless it has an offset)',
  default: '1970-01-01T00:00:00Z',
  example: '2026-01-01',
  check: checkIsoTime,
};
const TO: QueryParameter = {
  name: 'to',
  description: 'end of the period, exclusive (ISO 8601 date or time)',
  default: '9999-12-31T00:00:00Z',
  example: '2026-02-01',
  check: checkIsoTime,
};
const RESOURCE: QueryParameter = {
  name: 'resource',
  description: 'resource id or ARN as normalized: instance id, task ARN, security group id, bucket name, role ARN, ...',
  example: 'sg-0123456789abcdef0',
};

/** The account and region folders of a log file path in CloudTrail's layout (coverage records written before they named them). */
const LOG_PATH_ACCOUNT = 'AWSLogs/(?:o-[a-z0-9]+/)?(\\d{12})/CloudTrail/';
const LOG_PATH_REGION = 'AWSLogs/(?:o-[a-z0-9]+/)?\\d{12}/CloudTrail/([a-z0-9-]+)/';

const inPeriod = (tsColumn: string): string => `${tsColumn} >= from_iso8601_timestamp(:from) AND ${tsColumn} < from_iso8601_timestamp(:to)`;

const alertsOfKind = (kind: string): string => `SELECT alert_event_time, alert_severity, alert_account, alert_summary, alert_principal, alert_resource,
       alert_rule, alert_event_id, alert_id, shard, seq
FROM records
WHERE kind = 'alert' AND alert_kind = '${kind}'
  AND ${inPeriod('alert_event_ts')}
ORDER BY alert_event_ts, shard, seq`;

/** Resources that are images (container image digests, AMIs). The normalizer names image references "repo@sha256:...". */
const IS_IMAGE = (alias: string): string =>
  `(${alias}.resource_type IN ('AWS::ECR::Image', 'AWS::EC2::Image') OR split_part(${alias}.resource_id, '@', 2) <> '' OR substr(${alias}.resource_id, 1, 7) = 'sha256:')`;

export const NAMED_QUERIES: readonly NamedQuery[] = [
  {
    name: 'who-changed-resource',
    description: 'Every successful write API call on one resource, with the principal who made it.',
    parameters: [RESOURCE],
    sql: `SELECT event_time, principal, actor_type, actor_session_issuer_arn, actor_source_ip, actor_console,
       action, service, region, event_id, shard, seq
FROM records
WHERE kind = 'event' AND category = 'api-call'
  AND read_only IS DISTINCT FROM true AND error_code IS NULL
  AND id IN (SELECT id FROM record_resources WHERE resource_id = :resource OR resource_arn = :resource)
ORDER BY event_ts, shard, seq`,
  },
  {
    name: 'resource-timeline',
    description:
      'Everything that happened to one resource, in order: API calls (failed ones too), state changes from launch to terminate, and alerts about it.',
    parameters: [RESOURCE],
    sql: `SELECT coalesce(event_time, alert_event_time) AS happened_at, kind,
       coalesce(action, 'alert: ' || alert_kind) AS what, state, coalesce(principal, alert_principal) AS principal,
       error_code, coalesce(event_id, alert_id) AS ref, shard, seq
FROM records
WHERE (kind = 'event' AND id IN (SELECT id FROM record_resources WHERE resource_id = :resource OR resource_arn = :resource))
   OR (kind = 'alert' AND alert_resource = :resource)
ORDER BY coalesce(event_ts, alert_event_ts), shard, seq`,
  },
  {
    name: 'principal-activity',
    description:
      'Every action by one principal in a period. The principal matches the actor ARN, the session issuer (role) ARN, principal id, user name or access key id.',
    parameters: [
      { name: 'principal', description: 'ARN, role ARN, principal id, IAM user name or access key id', example: 'arn:aws:iam::123456789012:user/alice' },
      FROM,
      TO,
    ],
    sql: `SELECT event_time, action, service, region, error_code, principal, actor_session_name, actor_source_ip,
       actor_console, event_id, shard, seq
FROM records
WHERE kind = 'event'
  AND (actor_arn = :principal OR actor_session_issuer_arn = :principal OR actor_principal_id = :principal
       OR actor_user_name = :principal OR actor_access_key_id = :principal)
  AND ${inPeriod('event_ts')}
ORDER BY event_ts, shard, seq`,
  },
  {
    name: 'unsigned-launches',
    description: 'Alerts raised for launches of images or AMIs that no trusted key attested, in a period.',
    parameters: [FROM, TO],
    sql: alertsOfKind('unsigned-launch'),
  },
  {
    name: 'drift-alerts',
    description: 'Alerts raised for manual (out-of-pipeline) changes to immutable infrastructure, in a period.',
    parameters: [FROM, TO],
    sql: alertsOfKind('drift'),
  },
  {
    name: 'failed-calls',
    description: 'API calls that failed (errorCode set), in a period: denied access, throttling, invalid requests.',
    parameters: [FROM, TO],
    sql: `SELECT event_time, error_code, error_message, action, service, principal, actor_source_ip, region, event_id, shard, seq
FROM records
WHERE kind = 'event' AND error_code IS NOT NULL
  AND ${inPeriod('event_ts')}
ORDER BY event_ts, shard, seq`,
  },
  {
    name: 'root-and-console-without-mfa',
    description: 'Anything the root user did, and console activity without MFA, in a period.',
    parameters: [FROM, TO],
    sql: `SELECT event_time, CASE WHEN actor_type = 'Root' THEN 'root' ELSE 'console-without-mfa' END AS reason,
       action, service, principal, actor_console, actor_mfa, actor_source_ip, error_code, event_id, shard, seq
FROM records
WHERE kind = 'event'
  AND (actor_type = 'Root' OR (actor_console AND actor_mfa IS DISTINCT FROM true
       -- CheckMfa is the sign-in asking for the MFA code, before the session has passed it: not a call without MFA.
       AND NOT (service = 'signin' AND action = 'CheckMfa')))
  AND ${inPeriod('event_ts')}
ORDER BY event_ts, shard, seq`,
  },
  {
    name: 'iam-changes',
    description: 'Write calls to IAM (users, roles, policies, keys), failed attempts included, in a period.',
    parameters: [FROM, TO],
    sql: `SELECT event_time, action, principal, error_code, actor_source_ip, actor_console, event_id, shard, seq
FROM records
WHERE kind = 'event' AND service = 'iam' AND category = 'api-call' AND read_only IS DISTINCT FROM true
  AND ${inPeriod('event_ts')}
ORDER BY event_ts, shard, seq`,
  },
  {
    name: 'image-usage',
    description:
      'What ran which image: instances and tasks together with the AMI or container image (by digest) they ran, from launch and state-change events.',
    parameters: [
      {
        name: 'image',
        description: 'image digest (sha256:...), image reference (repo@sha256:...) or AMI id; empty for all',
        default: '',
        example: 'sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
      },
    ],
    sql: `SELECT img.resource_id AS image,
       coalesce(nullif(split_part(img.resource_id, '@', 2), ''),
                CASE WHEN substr(img.resource_id, 1, 7) = 'sha256:' THEN img.resource_id END) AS digest,
       ran.resource_type AS ran_type, ran.resource_id AS ran_id, img.event_time, img.action, img.state,
       img.principal, img.shard, img.seq
FROM record_resources img
JOIN record_resources ran
  ON ran.id = img.id AND ran.resource_type IN ('AWS::EC2::Instance', 'AWS::ECS::Task')
WHERE ${IS_IMAGE('img')} AND img.kind = 'event' AND img.error_code IS NULL
  AND (:image = '' OR img.resource_id = :image OR split_part(img.resource_id, '@', 2) = :image)
ORDER BY img.event_ts, img.shard, img.seq, image, ran_id`,
  },
  {
    name: 'coverage-by-day',
    description:
      'Per day of CloudTrail log files (from the log file path, else the reconcile date): files reconciled and events counted, archived, recovered and skipped.',
    parameters: [FROM, TO],
    sql: `SELECT log_day, count(*) AS log_files, sum(coverage_total) AS total, sum(coverage_archived) AS archived,
       sum(coverage_recovered) AS recovered, sum(coverage_skipped) AS skipped,
       count(coverage_digest_sha256) AS digest_checked
FROM (
  SELECT coalesce(replace(nullif(regexp_extract(coverage_log_file, '(\\d{4}/\\d{2}/\\d{2})/[^/]+$', 1), ''), '/', '-'),
                  substr(record_time, 1, 10)) AS log_day,
         coverage_total, coverage_archived, coverage_recovered, coverage_skipped, coverage_digest_sha256
  FROM records
  WHERE kind = 'coverage'
) c
WHERE CAST(log_day AS DATE) >= CAST(from_iso8601_timestamp(:from) AS DATE)
  AND CAST(log_day AS DATE) < CAST(from_iso8601_timestamp(:to) AS DATE)
GROUP BY log_day
ORDER BY log_day`,
  },
  {
    name: 'coverage-by-account',
    description:
      'Per account, region and day of CloudTrail log files (from the coverage record, else from the log file path): files reconciled, events counted and recovered. A pair missing from a day delivered nothing that day.',
    parameters: [FROM, TO],
    sql: `SELECT account, region, log_day, count(*) AS log_files, sum(coverage_total) AS total, sum(coverage_recovered) AS recovered
FROM (
  SELECT coalesce(coverage_account, nullif(regexp_extract(coverage_log_file, '${LOG_PATH_ACCOUNT}', 1), '')) AS account,
         coalesce(coverage_region, nullif(regexp_extract(coverage_log_file, '${LOG_PATH_REGION}', 1), '')) AS region,
         coalesce(replace(nullif(regexp_extract(coverage_log_file, '(\\d{4}/\\d{2}/\\d{2})/[^/]+$', 1), ''), '/', '-'),
                  substr(record_time, 1, 10)) AS log_day,
         coverage_total, coverage_recovered
  FROM records
  WHERE kind = 'coverage'
) c
WHERE CAST(log_day AS DATE) >= CAST(from_iso8601_timestamp(:from) AS DATE)
  AND CAST(log_day AS DATE) < CAST(from_iso8601_timestamp(:to) AS DATE)
GROUP BY account, region, log_day
ORDER BY account, region, log_day`,
  },
  {
    name: 'quarantined',
    description: 'Deliveries that could not be normalized and were archived raw, with the reason, in a period of commit time.',
    parameters: [FROM, TO],
    sql: `SELECT record_time, quarantine_reason, via_channel, via_log_file, id, shard, seq
FROM records
WHERE kind = 'quarantine'
  AND ${inPeriod('record_ts')}
ORDER BY record_ts, shard, seq`,
  },
  // The queries below feed `immutrail report`: each chart and table of the report is one of them.
  {
    name: 'activity-by-account',
    description: 'Per account and region: events archived in a period, for the scope of a report.',
    parameters: [FROM, TO],
    sql: `SELECT account, region, count(*) AS events
FROM records
WHERE kind = 'event'
  AND ${inPeriod('event_ts')}
GROUP BY account, region
ORDER BY account, region`,
  },
  {
    name: 'changes-by-principal',
    description:
      'Per day and principal (the role behind a session, else the actor): successful write calls in a period, and how many of them raised a drift (out-of-band change) alert.',
    parameters: [FROM, TO],
    sql: `SELECT substr(e.event_time, 1, 10) AS change_day, coalesce(e.actor_session_issuer_arn, e.principal) AS changed_by,
       count(*) AS changes, count(d.alert_event_id) AS out_of_band
FROM records e
LEFT JOIN (SELECT DISTINCT alert_event_id FROM records WHERE kind = 'alert' AND alert_kind = 'drift') d
  ON d.alert_event_id = e.event_id
WHERE e.kind = 'event' AND e.category = 'api-call' AND e.read_only IS DISTINCT FROM true AND e.error_code IS NULL
  AND ${inPeriod('e.event_ts')}
GROUP BY substr(e.event_time, 1, 10), coalesce(e.actor_session_issuer_arn, e.principal)
ORDER BY change_day, changed_by`,
  },
  {
    name: 'launch-signing',
    description:
      'Each instance or task launched in a period with the image or AMI it ran, and whether an attestation in the archive signs that image (signed) or not (unsigned).',
    parameters: [FROM, TO],
    sql: `SELECT min(img.event_time) AS launched_at, img.resource_id AS image, ran.resource_type AS ran_type, ran.resource_id AS ran_id,
       CASE WHEN img.resource_id IN (SELECT attestation_subject FROM records WHERE kind = 'attestation')
              OR split_part(img.resource_id, '@', 2) IN (SELECT attestation_subject FROM records WHERE kind = 'attestation')
            THEN 'signed' ELSE 'unsigned' END AS signing
FROM record_resources img
JOIN record_resources ran
  ON ran.id = img.id AND ran.resource_type IN ('AWS::EC2::Instance', 'AWS::ECS::Task')
WHERE ${IS_IMAGE('img')} AND img.kind = 'event' AND img.error_code IS NULL
  AND ${inPeriod('img.event_ts')}
GROUP BY img.resource_id, ran.resource_type, ran.resource_id
ORDER BY launched_at, image, ran_id`,
  },
  {
    name: 'auditor-tampering-alerts',
    description: 'Alerts raised for attempts to weaken the audit trail itself (trails, buckets, keys, rules, functions), in a period.',
    parameters: [FROM, TO],
    sql: alertsOfKind('auditor-tampering'),
  },
  {
    name: 'alerts-by-day',
    description: 'Per day, alert kind and severity: alerts raised in a period (by the time of the event that raised them, else the commit time).',
    parameters: [FROM, TO],
    sql: `SELECT substr(coalesce(alert_event_time, record_time), 1, 10) AS alert_day, alert_kind, alert_severity, count(*) AS alerts
FROM records
WHERE kind = 'alert'
  AND ${inPeriod('coalesce(alert_event_ts, record_ts)')}
GROUP BY substr(coalesce(alert_event_time, record_time), 1, 10), alert_kind, alert_severity
ORDER BY alert_day, alert_kind, alert_severity`,
  },
];

export function findNamedQuery(name: string): NamedQuery {
  const q = NAMED_QUERIES.find((x) => x.name === name);
  if (!q) {
    throw new QueryError('UNKNOWN_QUERY', `no named query "${name}"; known: ${NAMED_QUERIES.map((x) => x.name).join(', ')}`);
  }
  return q;
}

/** The values for every parameter of a named query: given ones, else defaults; unknown or missing ones are errors. */
export function resolveParameters(query: NamedQuery, given: QueryParams = {}): Record<string, string> {
  const known = new Set(query.parameters.map((p) => p.name));
  for (const name of Object.keys(given)) {
    if (!known.has(name)) {
      throw new QueryError('UNKNOWN_PARAMETER', `query "${query.name}" has no parameter "${name}"; it takes: ${[...known].join(', ') || 'none'}`);
    }
  }
  const values: Record<string, string> = {};
  for (const p of query.parameters) {
    const v = Object.prototype.hasOwnProperty.call(given, p.name) ? given[p.name] : p.default;
    if (v === undefined) throw new QueryError('MISSING_PARAMETER', `query "${query.name}" needs --param ${p.name}=<${p.description}>`);
    const wrong = p.check?.(v);
    if (wrong) throw new QueryError('INVALID_PARAMETER', `--param ${p.name}: ${wrong}`);
    values[p.name] = v;
  }
  return values;
}

/** Parameters the SQL text uses, for checking a query's declared list against its body. */
export function usedParameters(query: NamedQuery): string[] {
  return parameterNames(query.sql);
}

/** The SQL and parameter values of a request: a named query with its defaults filled, or ad-hoc SQL as given (trailing semicolons dropped). */
export function resolveRequest(request: QueryRequest): { sql: string; params: Record<string, string> } {
  if ('name' in request) {
    const q = findNamedQuery(request.name);
    return { sql: q.sql, params: resolveParameters(q, request.params) };
  }
  return { sql: request.sql.replace(/[\s;]+$/, ''), params: { ...request.params } };
}
