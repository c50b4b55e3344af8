import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';
import type { Alert } from '../core/alert';
import { parseSuppressSeconds, SuppressionWindow } from '../core/detect/suppression';
import { AlertPublisher } from './alert-publisher';
import { ArchiveWriter } from './archive-writer';
import { clientConfig, type AwsTarget } from './client-config';
import { ENV, optionalEnv, requireEnv } from './runtime-config';
import { DynamoSuppressionStore } from './suppression-store';

/**
 * The pieces every handler builds the same way from the environment the
 * construct sets: the alert publisher (with its suppression window) and the
 * archive writer.
 */
export function alertPublisherFromEnv(env: NodeJS.ProcessEnv, aws: AwsTarget, ddb: DynamoDBClient, table: string): Pick<AlertPublisher, 'publish'> {
  const topicArn = optionalEnv(ENV.alertTopicArn, env);
  if (!topicArn) {
    // No topic configured: alerts are archived, and nothing is sent.
    return { publish: async (a: Alert) => ({ alertId: a.id, status: 'suppressed' as const, suppressedSoFar: 0 }) };
  }
  return new AlertPublisher({
    sns: new SNSClient(clientConfig(aws)),
    topicArn,
    suppression: { window: new SuppressionWindow(parseSuppressSeconds(env)), store: new DynamoSuppressionStore(ddb, table) },
  });
}

export function archiveWriterFromEnv(env: NodeJS.ProcessEnv, aws: AwsTarget): ArchiveWriter {
  return new ArchiveWriter(new S3Client(clientConfig(aws)), {
    bucket: requireEnv(ENV.archiveBucket, env),
    retentionDays: Number(optionalEnv(ENV.retentionDays, env) ?? 0),
  });
}
