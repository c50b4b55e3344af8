import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { CreateBucketCommand, PutObjectLockConfigurationCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { clientConfig, type AwsTarget } from '../aws/client-config';
import { ENV } from '../contract/runtime-config';
import type { CaptureOptions } from '../contract/event-patterns';
import { STAGING_LIVE_PREFIX, objectsRulePattern } from '../construct/objects-pattern';
import { planShards, type ShardMap } from '../contract/shards';
import { ensureTable } from './provision-table';

/** The names of a local (emulated) immutrail deployment: what verify, prove and query need. */
export interface LocalStack {
  target: AwsTarget;
  name: string;
  bucket: string;
  table: string;
  signingKeyId: string;
  origin: string;
  topicArn: string;
  /** The objects queue: "Object Created" notifications of staged objects (and trail log files), the ingest function's event source. */
  queueUrl: string;
  deadLetterQueueUrl: string;
  /** The live lane's staging bucket: Firehose (or whoever plays it) writes newline-delimited events under `stagingPrefix`. */
  stagingBucket: string;
  stagingPrefix: string;
  /** An SQS queue subscribed to the alert topic: what an on-call tool would receive. */
  alertInboxUrl: string;
  /** Environment for the handlers, as the construct sets it on each Lambda. */
  env: Record<string, string>;
}

export interface ProvisionOptions {
  name?: string;
  retentionDays?: number;
  shards?: ShardMap;
  capture?: CaptureOptions;
  /** Object Lock COMPLIANCE on the bucket (the stack's setting); off lets tests tamper with a copy. */
  objectLock?: boolean;
  extraEnv?: Record<string, string>;
}

async function queueArn(sqs: SQSClient, url: string): Promise<string> {
  const out = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }));
  return out.Attributes!.QueueArn!;
}

/**
 * Creates the stack's data plane through the SDK on an emulator: the Object
 * Lock bucket, the table, the signing key, the alert topic with an inbox
 * queue, the staging bucket, the standard objects queue and its DLQ, and the
 * objects rule (S3 "Object Created" under live/ in the staging bucket -> the
 * objects queue), with the construct's pattern.
 *
 * There are no capture rules: on the stack they put events into Firehose,
 * which the emulator cannot deliver to, and raw events must never reach the
 * objects queue (it carries object notifications only). A caller plays the
 * live lane itself: it writes newline-delimited EventBridge events into the
 * staging bucket under `stagingPrefix` and sends the "Object Created"
 * notification to the objects queue (or turns on the bucket's EventBridge
 * notifications, which the emulator delivers through the objects rule). The
 * shard plan and capture filter go to the handlers through the environment,
 * as the construct passes them, since the handler routes by content.
 */
export async function provisionLocalStack(target: AwsTarget, opts: ProvisionOptions = {}): Promise<LocalStack> {
  const cfg = clientConfig(target);
  const s3 = new S3Client(cfg);
  const ddb = new DynamoDBClient(cfg);
  const kms = new KMSClient(cfg);
  const sns = new SNSClient(cfg);
  const sqs = new SQSClient(cfg);
  const events = new EventBridgeClient(cfg);
  const name = opts.name ?? `immutrail-${randomUUID().slice(0, 8)}`;
  const retentionDays = opts.retentionDays ?? 1;
  const bucket = `${name}-archive`;
  const stagingBucket = `${name}-staging`;
  const table = `${name}-index`;
  const origin = `immutrail.local/${name}`;

  const objectLock = opts.objectLock ?? true;
  await s3.send(new CreateBucketCommand({ Bucket: bucket, ObjectLockEnabledForBucket: objectLock }));
  if (objectLock) {
    await s3.send(
      new PutObjectLockConfigurationCommand({
        Bucket: bucket,
        ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Days: retentionDays } } },
      }),
    );
  }
  await s3.send(new CreateBucketCommand({ Bucket: stagingBucket }));
  await ensureTable(ddb, table);
  const key = await kms.send(new CreateKeyCommand({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY', Description: `${name} checkpoint signing` }));
  const signingKeyId = key.KeyMetadata!.Arn!;

  const topicArn = (await sns.send(new CreateTopicCommand({ Name: `${name}-alerts` }))).TopicArn!;
  const alertInboxUrl = (await sqs.send(new CreateQueueCommand({ QueueName: `${name}-alert-inbox` }))).QueueUrl!;
  await sns.send(
    new SubscribeCommand({ TopicArn: topicArn, Protocol: 'sqs', Endpoint: await queueArn(sqs, alertInboxUrl), Attributes: { RawMessageDelivery: 'false' } }),
  );

  const { queueUrl, deadLetterQueueUrl } = await createObjectsQueue(sqs, events, name, stagingBucket);
  return {
    target,
    name,
    bucket,
    table,
    signingKeyId,
    origin,
    topicArn,
    queueUrl,
    deadLetterQueueUrl,
    stagingBucket,
    stagingPrefix: STAGING_LIVE_PREFIX,
    alertInboxUrl,
    env: localEnvironment(opts, { bucket, table, signingKeyId, topicArn, origin, stagingBucket, retentionDays: objectLock ? retentionDays : 0 }),
  };
}

/** The objects queue with its dead-letter queue, and the rule that puts the staging bucket's "Object Created" events on it. */
async function createObjectsQueue(
  sqs: SQSClient,
  events: EventBridgeClient,
  name: string,
  stagingBucket: string,
): Promise<{ queueUrl: string; deadLetterQueueUrl: string }> {
  const deadLetterQueueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: `${name}-ingest-dlq` }))).QueueUrl!;
  const queueUrl = (
    await sqs.send(
      new CreateQueueCommand({
        QueueName: `${name}-objects`,
        Attributes: {
          VisibilityTimeout: '30',
          RedrivePolicy: JSON.stringify({ deadLetterTargetArn: await queueArn(sqs, deadLetterQueueUrl), maxReceiveCount: 5 }),
        },
      }),
    )
  ).QueueUrl!;
  const objectsRule = `${name}-objects`.slice(0, 64);
  await events.send(
    new PutRuleCommand({
      Name: objectsRule,
      EventPattern: JSON.stringify(objectsRulePattern([{ bucket: stagingBucket, prefix: STAGING_LIVE_PREFIX }])),
      State: 'ENABLED',
    }),
  );
  await events.send(new PutTargetsCommand({ Rule: objectsRule, Targets: [{ Id: 'ingest', Arn: await queueArn(sqs, queueUrl) }] }));
  return { queueUrl, deadLetterQueueUrl };
}

/** The handlers' environment, as the construct would set it for these resources. */
function localEnvironment(
  opts: ProvisionOptions,
  r: { bucket: string; table: string; signingKeyId: string; topicArn: string; origin: string; stagingBucket: string; retentionDays: number },
): Record<string, string> {
  const capture = opts.capture ?? { captureReadOnlyApiCalls: false };
  return {
    [ENV.archiveBucket]: r.bucket,
    [ENV.table]: r.table,
    [ENV.signingKeyId]: r.signingKeyId,
    [ENV.alertTopicArn]: r.topicArn,
    [ENV.origin]: r.origin,
    [ENV.retentionDays]: String(r.retentionDays),
    [ENV.shardPlan]: JSON.stringify(planShards(opts.shards)),
    [ENV.captureReadOnly]: String(capture.captureReadOnlyApiCalls),
    ...(capture.apiCallSources ? { [ENV.apiCallSources]: JSON.stringify(capture.apiCallSources) } : {}),
    [ENV.stagingBucket]: r.stagingBucket,
    [ENV.stagingPrefix]: STAGING_LIVE_PREFIX,
    ...opts.extraEnv,
  };
}
