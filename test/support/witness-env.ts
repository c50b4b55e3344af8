import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { createArchiveBucket } from '../../lib/aws/archive-bucket-setup';
import { clientConfig, type AwsTarget } from '../../lib/aws/client-config';
import { WITNESS_ENV } from '../../lib/witness/runtime';

/**
 * A witness's own resources on moto (its Object Lock bucket, state table,
 * alert topic with a queue to read alerts from) plus an audit bucket, and the
 * environment the witness function would get from its construct.
 */
export interface WitnessEnv {
  s3: S3Client;
  env: NodeJS.ProcessEnv;
  auditBucket: string;
  witnessBucket: string;
  /** Messages published to the witness's topic so far (their Message bodies). */
  alerts(): Promise<string[]>;
  put(key: string, body: Buffer): Promise<void>;
}

export async function witnessEnv(
  target: AwsTarget,
  opts: { archiveOrigin: string; logPublicKeyPem: string; suffix: string; keyName?: string; auditBucket?: string },
): Promise<WitnessEnv> {
  const s3 = new S3Client(clientConfig(target));
  const auditBucket = opts.auditBucket ?? `audit-${opts.suffix}`;
  const witnessBucket = `witness-${opts.suffix}`;
  for (const bucket of opts.auditBucket ? [witnessBucket] : [auditBucket, witnessBucket])
    await createArchiveBucket(s3, { bucket, region: target.region, retentionDays: 1, policy: 'none' });
  const table = `witness-state-${opts.suffix}`;
  await new DynamoDBClient(clientConfig(target)).send(
    new CreateTableCommand({
      TableName: table,
      AttributeDefinitions: [{ AttributeName: 'origin', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'origin', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  const sns = new SNSClient(clientConfig(target));
  const sqs = new SQSClient(clientConfig(target));
  const topic = (await sns.send(new CreateTopicCommand({ Name: `witness-alerts-${opts.suffix}` }))).TopicArn!;
  const queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: `witness-alerts-${opts.suffix}` }))).QueueUrl!;
  const queueArn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
  await sns.send(new SubscribeCommand({ TopicArn: topic, Protocol: 'sqs', Endpoint: queueArn, Attributes: { RawMessageDelivery: 'true' } }));
  const seen: string[] = [];
  return {
    s3,
    auditBucket,
    witnessBucket,
    env: {
      [WITNESS_ENV.auditBucket]: auditBucket,
      [WITNESS_ENV.archiveOrigin]: opts.archiveOrigin,
      [WITNESS_ENV.logPublicKey]: opts.logPublicKeyPem,
      [WITNESS_ENV.witnessBucket]: witnessBucket,
      [WITNESS_ENV.stateTable]: table,
      [WITNESS_ENV.topicArn]: topic,
      [WITNESS_ENV.keyName]: opts.keyName ?? 'witness.example/w1',
    },
    async alerts() {
      const out = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }));
      seen.push(...(out.Messages ?? []).map((m) => m.Body ?? ''));
      return [...seen];
    },
    async put(key, body) {
      await s3.send(new PutObjectCommand({ Bucket: auditBucket, Key: key, Body: body }));
    },
  };
}
