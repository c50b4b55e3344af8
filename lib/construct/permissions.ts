/**
 * Least-privilege grants, written out action by action (no CDK grant helpers
 * that add `*` actions such as kms:GenerateDataKey* or s3:DeleteObject*).
 * Nothing here ever grants deletion, bucket policy, lock or lifecycle changes,
 * or key administration: test/stack/iam-least-privilege.test.ts scans every
 * IAM policy of the synthesized template for those.
 */
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { CHECKPOINTS_PREFIX, RECORDS_PREFIX } from '../core/layout';
import { TILES_PREFIX } from '../core/tiles';
import { logsRoot } from '../contract/key-layout';
import type { IndexTable } from './index-table';
import { OUTBOX_PARTITION_PREFIX } from './table-schema';
import { acknowledgeWildcardResources } from './nag';

/** What a writer needs to name; assembled once by AuditTrail. */
export interface TrailResources {
  readonly bucket: s3.IBucket;
  /** Key of the archive bucket when it is not the data key (an existing bucket). */
  readonly bucketKey?: kms.IKey;
  readonly index: IndexTable;
  readonly dataKey: kms.IKey;
  readonly signingKey: kms.IKey;
  readonly topic: sns.ITopic;
  readonly attestationKeys: readonly kms.IKey[];
}

/** KMS use of the data key by S3 (bucket key), DynamoDB, SQS and SNS on a caller's behalf. */
export const DATA_KEY_ACTIONS = ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey', 'kms:DescribeKey'];
/**
 * Chain-head compare-and-swap, exactly-once id sets, the batch log and the
 * outbox. TransactWriteItems is authorized through these per-item actions;
 * BatchGetItem and BatchWriteItem read and write alert suppression windows,
 * one request per delivery. DeleteItem is granted apart, on outbox items
 * only (grantOutboxDelete). The table is an index: the chain itself lives in
 * S3 under Object Lock and checkpoints, so a tampered item is detected by the
 * verifier, and PITR can restore the table.
 */
export const TABLE_WRITER_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:BatchGetItem',
  'dynamodb:Query',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:ConditionCheckItem',
  'dynamodb:BatchWriteItem',
  'dynamodb:DescribeTable',
];
export const TABLE_READER_ACTIONS = ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query', 'dynamodb:DescribeTable'];
/**
 * PutObject with x-amz-object-lock-* headers is also authorized as
 * s3:PutObjectRetention. The writers put every object with COMPLIANCE
 * retention, which nobody can shorten afterwards; the bucket policy denies any
 * other mode (archive-policy.ts), so this grant cannot weaken the archive.
 */
export const OBJECT_WRITER_ACTIONS = ['s3:PutObject', 's3:PutObjectRetention'];
export const OBJECT_READER_ACTIONS = ['s3:GetObject', 's3:GetObjectVersion'];
export const BUCKET_LISTER_ACTIONS = ['s3:ListBucket', 's3:ListBucketVersions'];

function allow(role: iam.IRole, actions: string[], resources: string[]): void {
  role.addToPrincipalPolicy(new iam.PolicyStatement({ actions, resources }));
}

/**
 * An outbox item is deleted once its alerts are published (lib/aws/alert-outbox.ts),
 * by whoever delivers them: the function that committed the batch, or the
 * seal's sweep. No other item may be deleted by any role: the condition
 * limits DeleteItem to partition keys of outbox items.
 */
function grantOutboxDelete(role: iam.IRole, r: TrailResources): void {
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions: ['dynamodb:DeleteItem'],
      resources: [r.index.table.tableArn],
      conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`${OUTBOX_PARTITION_PREFIX}*`] } },
    }),
  );
}

function grantKeys(role: iam.IRole, r: TrailResources): void {
  allow(role, DATA_KEY_ACTIONS, [r.dataKey.keyArn]);
  if (r.bucketKey) allow(role, ['kms:Decrypt', 'kms:GenerateDataKey'], [r.bucketKey.keyArn]);
}

/** Read every object of the archive and list it (verifying, finding orphans, building trees). */
export function grantArchiveRead(role: iam.IRole, r: TrailResources): void {
  const objects = r.bucket.arnForObjects('*');
  allow(role, OBJECT_READER_ACTIONS, [objects]);
  allow(role, BUCKET_LISTER_ACTIONS, [r.bucket.bucketArn]);
  acknowledgeWildcardResources(
    role,
    [objects],
    'Archive objects are addressed by key (records/shard=.../dt=.../...); reading any of them is the point of a verifier or sealer, and read access cannot alter the archive.',
  );
}

/**
 * Everything a function that appends to a shard chain needs: ingest, and the
 * reconcile and watchdog functions whose alerts and recovered events are chain
 * records too. Objects may only be put under records/.
 */
export function grantChainWriter(role: iam.IRole, r: TrailResources): void {
  const records = r.bucket.arnForObjects(`${RECORDS_PREFIX}*`);
  allow(role, OBJECT_WRITER_ACTIONS, [records]);
  acknowledgeWildcardResources(
    role,
    [records],
    'Each committed batch is a new object whose key carries shard, date and sequence range; the writer may create objects only under records/ and can never delete or overwrite one.',
  );
  grantArchiveRead(role, r);
  allow(role, TABLE_WRITER_ACTIONS, [r.index.table.tableArn, r.index.outboxIndexArn]);
  grantOutboxDelete(role, r);
  allow(role, ['sns:Publish'], [r.topic.topicArn]);
  grantKeys(role, r);
  if (r.attestationKeys.length > 0) {
    // Unsigned-launch detection verifies attestation signatures, it does not just look them up.
    allow(
      role,
      ['kms:Verify', 'kms:GetPublicKey'],
      r.attestationKeys.map((k) => k.keyArn),
    );
  }
}

/** The sealer: reads everything, writes checkpoints and Merkle tiles only, signs with the checkpoint key. */
export function grantSealer(role: iam.IRole, r: TrailResources): void {
  const checkpoints = r.bucket.arnForObjects(`${CHECKPOINTS_PREFIX}*`);
  const tiles = r.bucket.arnForObjects(`${TILES_PREFIX}*`);
  allow(role, OBJECT_WRITER_ACTIONS, [checkpoints, tiles]);
  acknowledgeWildcardResources(
    role,
    [checkpoints, tiles],
    'Each checkpoint and each C2SP tile is a new object named by its content (tree size, time, hash; tile level, index, width); the sealer may create objects only under checkpoints/ and tiles/ and can never delete or overwrite one.',
  );
  grantArchiveRead(role, r);
  allow(role, TABLE_WRITER_ACTIONS, [r.index.table.tableArn, r.index.outboxIndexArn]);
  grantOutboxDelete(role, r);
  allow(role, ['kms:Sign', 'kms:GetPublicKey'], [r.signingKey.keyArn]);
  allow(role, ['sns:Publish'], [r.topic.topicArn]);
  grantKeys(role, r);
}

/** Copy checkpoints to a witness bucket (possibly in another account, whose policy must also allow it). */
export function grantWitnessWrite(role: iam.IRole, witness: s3.IBucket, prefix: string): void {
  const objects = witness.arnForObjects(`${prefix}*`);
  allow(role, OBJECT_WRITER_ACTIONS, [objects]);
  if (witness.encryptionKey) allow(role, ['kms:GenerateDataKey', 'kms:Decrypt'], [witness.encryptionKey.keyArn]);
  acknowledgeWildcardResources(
    role,
    [objects],
    'Checkpoint copies are new objects named by tree size, time and hash under the configured witness prefix; put-only, no read, list or delete.',
  );
}

/** Read the live lane's staged objects (newline-delimited events Firehose wrote under `prefix`); the data key is granted with the chain writer's. */
export function grantStagingRead(role: iam.IRole, staging: s3.IBucket, prefix: string): void {
  const objects = staging.arnForObjects(`${prefix}*`);
  allow(role, ['s3:GetObject'], [objects]);
  acknowledgeWildcardResources(
    role,
    [objects],
    'Firehose names each staged object by time and a random suffix under live/; ingest must read whichever one a notification names, read-only.',
  );
}

/** Read a trail's log files (gzipped JSON) under its prefix. */
export function grantTrailRead(role: iam.IRole, trailBucket: s3.IBucket, prefix: string, key?: kms.IKey): void {
  const objects = trailBucket.arnForObjects(`${prefix}*`);
  allow(role, ['s3:GetObject'], [objects]);
  allow(role, ['s3:ListBucket'], [trailBucket.bucketArn]);
  if (key) allow(role, ['kms:Decrypt'], [key.keyArn]);
  acknowledgeWildcardResources(
    role,
    [objects],
    'CloudTrail names its log files by account, region, date and a random suffix; ingest and reconcile must read each one under the trail prefix, read-only.',
  );
}

/**
 * List the trail bucket's key names under AWSLogs/ (the watchdog's check of
 * deliveries per account and region): no object is read.
 */
export function grantTrailList(role: iam.IRole, trailBucket: s3.IBucket, prefix: string): void {
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions: ['s3:ListBucket'],
      resources: [trailBucket.bucketArn],
      conditions: { StringLike: { 's3:prefix': [`${logsRoot(prefix)}*`] } },
    }),
  );
}

/** Inspect one trail's configuration and status. */
export function grantTrailWatch(role: iam.IRole, trailArn: string): void {
  allow(role, ['cloudtrail:GetTrailStatus', 'cloudtrail:GetEventSelectors', 'cloudtrail:GetTrail'], [trailArn]);
  // DescribeTrails has no resource-level permissions in IAM: "*" is the only valid resource.
  allow(role, ['cloudtrail:DescribeTrails'], ['*']);
  acknowledgeWildcardResources(
    role,
    ['*'],
    'cloudtrail:DescribeTrails supports no resource-level permissions; the watchdog needs it to see multi-region and organization settings of its trail. It is read-only.',
  );
}
