import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KMSClient } from '@aws-sdk/client-kms';
import { S3Client } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';
import { SuppressionWindow, parseSuppressSeconds } from '../core/detect/suppression';
import { AlertOutbox } from '../aws/alert-outbox';
import { AlertPublisher } from '../aws/alert-publisher';
import { ChainStore } from '../aws/chain-store';
import { CheckpointStore } from '../aws/checkpoint-store';
import { clientConfig, type AwsTarget } from '../aws/client-config';
import { KmsSigner } from '../aws/kms-signer';
import { ENV, optionalEnv, requireEnv } from '../aws/runtime-config';
import { DynamoSuppressionStore } from '../aws/suppression-store';
import type { SealDeps } from './seal';

export interface SealRuntime {
  deps: SealDeps;
  outbox: AlertOutbox | null;
}

export function sealRuntime(env: NodeJS.ProcessEnv = process.env, target?: AwsTarget, onWitnessError?: (err: unknown) => void): SealRuntime {
  const aws = target ?? { region: env.AWS_REGION ?? 'us-east-1' };
  const ddb = new DynamoDBClient(clientConfig(aws));
  const s3 = new S3Client(clientConfig(aws));
  const table = requireEnv(ENV.table, env);
  const origin = requireEnv(ENV.origin, env);
  const topicArn = optionalEnv(ENV.alertTopicArn, env);
  return {
    deps: {
      store: new ChainStore(ddb, table),
      checkpoints: new CheckpointStore(s3, ddb, {
        bucket: requireEnv(ENV.archiveBucket, env),
        table,
        retentionDays: Number(optionalEnv(ENV.retentionDays, env) ?? 0),
        witnessBucket: optionalEnv(ENV.witnessBucket, env),
        onWitnessError,
      }),
      signer: new KmsSigner(new KMSClient(clientConfig(aws)), requireEnv(ENV.signingKeyId, env), origin),
      origin,
    },
    outbox: topicArn
      ? new AlertOutbox(
          ddb,
          table,
          new AlertPublisher({
            sns: new SNSClient(clientConfig(aws)),
            topicArn,
            suppression: { window: new SuppressionWindow(parseSuppressSeconds(env)), store: new DynamoSuppressionStore(ddb, table) },
          }),
        )
      : null,
  };
}
