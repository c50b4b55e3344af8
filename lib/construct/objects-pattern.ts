/**
 * Where the two lanes leave their objects, and the EventBridge pattern of the
 * "objects" rule that hands each new object to the ingest function:
 *
 * - live lane: Firehose writes newline-delimited EventBridge events into the
 *   staging bucket under STAGING_LIVE_PREFIX;
 * - trail lane: CloudTrail writes its log files into the trail bucket under
 *   the trail prefix.
 *
 * CDK-free: the local provisioning (lib/local) uses the same pattern.
 */

/** Key prefix of the objects Firehose delivers (the ingest function reads only these). */
export const STAGING_LIVE_PREFIX = 'live/';
/** Key prefix of records Firehose could not process; not ingested (the objects rule does not match it). */
export const STAGING_ERROR_PREFIX = 'live-errors/';

/** S3 reports a new object to EventBridge with this source and detail-type (bucket setting "Amazon EventBridge: On"). */
export const S3_OBJECT_CREATED = { source: 'aws.s3', detailType: 'Object Created' } as const;

/** A bucket (and key prefix in it) whose new objects the ingest function reads. */
export interface ObjectSource {
  readonly bucket: string;
  /** '' = every key of the bucket. */
  readonly prefix: string;
}

function detailOf(s: ObjectSource): Record<string, unknown> {
  return {
    bucket: { name: [s.bucket] },
    ...(s.prefix ? { object: { key: [{ prefix: s.prefix }] } } : {}),
  };
}

/**
 * The "objects" rule's pattern in its JSON (CloudFormation) form: an "Object
 * Created" event of any of `sources`. Two sources are combined with `$or` on
 * the detail, so a staged object of the trail bucket's name, or a trail log
 * file outside the trail prefix, never matches.
 */
export function objectsRulePattern(sources: readonly ObjectSource[]): {
  source: string[];
  'detail-type': string[];
  detail: Record<string, unknown>;
} {
  if (sources.length === 0) throw new Error('objectsRulePattern needs at least one bucket');
  return {
    source: [S3_OBJECT_CREATED.source],
    'detail-type': [S3_OBJECT_CREATED.detailType],
    detail: sources.length === 1 ? detailOf(sources[0]) : { $or: sources.map(detailOf) },
  };
}
