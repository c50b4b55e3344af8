import { PARTITION_KEYS, RECORDS_PREFIX, assertShard } from '../core/layout';
import { RECORD_SCHEMA, hiveType } from './record-schema';

/**
 * The Glue table over the archive's batch objects, derived from the record
 * schema (record-schema.ts) and the key layout (lib/core/layout.ts), which the
 * ingest writer also builds its keys from: the location template below is
 * RECORDS_PREFIX followed by `name=${name}/` for each of PARTITION_KEYS, in key
 * order, exactly as batchKey() writes them.
 *
 * Partition projection, not crawled partitions: partitions appear the moment
 * the writer creates a key, with no crawler and no MSCK REPAIR.
 *  - dt: type date, format from PARTITION_KEYS (yyyy-MM-dd), from a start
 *    date to NOW, one day apart (the writer dates keys by the commit's UTC day).
 *  - shard: type enum with the stack's shards. Shards are a deploy-time
 *    setting (one EventBridge rule/target pair each), so the list is known
 *    when the table is created and changes only with a deployment. `injected`
 *    would need no list but makes Athena refuse any query without a
 *    `shard = '...'` equality, and auditors ask across shards
 *    ("who changed X" does not know X's shard).
 *
 * SerDe: the OpenX JSON SerDe, because the record's `raw` event and alert
 * `details` are arbitrary JSON kept as string columns, which it renders as
 * JSON text (the Hive JSON SerDe rejects an object in a string column). It
 * matches the record's camelCase keys to Glue's lowercase field names
 * (case.insensitive, its default). AWS notes its results can be
 * nondeterministic on malformed or oddly shaped data; records are canonical
 * JSON of one fixed shape, and malformed lines fail the query
 * (ignore.malformed.json=FALSE) rather than vanish.
 */

export const JSON_SERDE = 'org.openx.data.jsonserde.JsonSerDe';
export const TEXT_INPUT_FORMAT = 'org.apache.hadoop.mapred.TextInputFormat';
export const TEXT_OUTPUT_FORMAT = 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat';

export const SERDE_PARAMETERS: Readonly<Record<string, string>> = {
  'case.insensitive': 'TRUE',
  'ignore.malformed.json': 'FALSE',
  'dots.in.keys': 'FALSE',
};

/** The first day partition projection enumerates unless told otherwise. Set it to the archive's first commit day or earlier. */
export const DEFAULT_PROJECTION_START_DATE = '2025-01-01';

export interface GlueColumn {
  name: string;
  type: string;
  comment?: string;
}

export interface ProjectionOptions {
  /** Every shard the writer may use. */
  shards: readonly string[];
  /** First commit day to project, YYYY-MM-DD. */
  startDate?: string;
}

/** The table's data columns: the record's two top-level keys, as nested structs. */
export function glueColumns(): GlueColumn[] {
  return RECORD_SCHEMA.fields.map((f) => ({
    name: f.name.toLowerCase(),
    type: hiveType(f.type),
    comment: f.name === 'chain' ? 'chain header: shard, seq, prev, kind, id, time, v' : 'payload; which fields are set depends on chain.kind',
  }));
}

/** Partition columns in key order. Both are strings: dt compares correctly as text in yyyy-MM-dd. */
export function gluePartitionKeys(): GlueColumn[] {
  return PARTITION_KEYS.map((k) => ({ name: k.name, type: 'string' }));
}

/** s3://bucket/records/ */
export function recordsLocation(bucket: string): string {
  return `s3://${bucket}/${RECORDS_PREFIX}`;
}

/** s3://bucket/records/shard=${shard}/dt=${dt}/ */
export function storageLocationTemplate(bucket: string): string {
  return `${recordsLocation(bucket)}${PARTITION_KEYS.map((k) => `${k.name}=\${${k.name}}/`).join('')}`;
}

export function projectionParameters(bucket: string, options: ProjectionOptions): Record<string, string> {
  const shards = [...new Set(options.shards)];
  if (shards.length === 0) throw new Error('partition projection needs at least one shard');
  shards.forEach(assertShard);
  const start = options.startDate ?? DEFAULT_PROJECTION_START_DATE;
  if (!/^\d{4}-\d{2}-\d{2}$/.test(start) || Number.isNaN(Date.parse(start))) {
    throw new Error(`invalid projection start date "${start}": use YYYY-MM-DD`);
  }
  const params: Record<string, string> = {
    'projection.enabled': 'true',
    'storage.location.template': storageLocationTemplate(bucket),
  };
  for (const k of PARTITION_KEYS) {
    if (k.type === 'date') {
      params[`projection.${k.name}.type`] = 'date';
      params[`projection.${k.name}.format`] = k.format;
      params[`projection.${k.name}.range`] = `${start},NOW`;
      params[`projection.${k.name}.interval`] = '1';
      params[`projection.${k.name}.interval.unit`] = 'DAYS';
    } else {
      params[`projection.${k.name}.type`] = 'enum';
      params[`projection.${k.name}.values`] = shards.join(',');
    }
  }
  return params;
}

/** The table parameters: projection plus what Athena expects of an external JSON table. */
export function glueTableParameters(bucket: string, options: ProjectionOptions): Record<string, string> {
  return { EXTERNAL: 'TRUE', classification: 'json', ...projectionParameters(bucket, options) };
}
