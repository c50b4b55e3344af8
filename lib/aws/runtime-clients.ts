import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';
import type { Alert } from '../core/alert';
import { parseSuppressSeconds, SuppressionWindow } from '../core/detect/suppression';
import { AlertOutbox } from './alert-outbox';
import { AlertPublisher } from './alert-publisher';
import { ArchiveWriter } from './archive-writer';
import { clientConfig, type AwsTarget } from './client-config';
import { ENV, optionalEnv, requireEnv } from '../contract/runtime-config';
import { S3Source } from './s3-source';
import { DynamoSuppressionStore } from './suppression-store';

/**
 * The pieces every handler builds the same way from the environment the
 * construct sets: the alert publisher (with its suppression window), the
 * alert outbox and the archive writer.
 */
export function alertPublisherFromEnv(env: NodeJS.ProcessEnv, aws: AwsTarget, ddb: DynamoDBClient, table: string): Pick<AlertPublisher, 'publishAll'> {
  const topicArn = optionalEnv(ENV.alertTopicArn, env);
  if (!topicArn) {
    // No topic configured: alerts are archived, and nothing is sent.
    return { publishAll: async (alerts: readonly Alert[]) => alerts.map((a) => ({ alertId: a.id, status: 'suppressed' as const, suppressedSoFar: 0 })) };
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

/** The outbox reads detector alerts back from the archive's batch objects when it sweeps. */
export function alertOutboxFromEnv(env: NodeJS.ProcessEnv, aws: AwsTarget, ddb: DynamoDBClient, table: string): AlertOutbox {
  const objects = new S3Source(new S3Client(clientConfig(aws)), requireEnv(ENV.archiveBucket, env));
  return new AlertOutbox(ddb, table, alertPublisherFromEnv(env, aws, ddb, table), objects);
}
