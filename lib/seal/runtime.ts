import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KMSClient } from '@aws-sdk/client-kms';
import { S3Client } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';
import type { AlertOutbox } from '../aws/alert-outbox';
import { AlertPublisher } from '../aws/alert-publisher';
import { ChainStore } from '../aws/chain-store';
import { CheckpointStore } from '../aws/checkpoint-store';
import { clientConfig, type AwsTarget } from '../aws/client-config';
import { KmsSigner } from '../aws/kms-signer';
import { alertOutboxFromEnv } from '../aws/runtime-clients';
import { ENV, optionalEnv, requireEnv } from '../contract/runtime-config';
import { SuppressionDigests } from '../aws/suppression-digests';
import type { SignedCheckpoint } from '../core/checkpoint';
import { seal, type SealDeps, type ShardNoteWritten } from './seal';
import { archiveTileStep } from './tile-step';

export interface SealRuntime {
  deps: SealDeps;
  outbox: AlertOutbox | null;
  /** Digests of suppression windows that ended with repeats held back. */
  digests?: Pick<SuppressionDigests, 'sweep'> | null;
  /** Extends the grown shards' C2SP tiles (proofs read them) and writes their witness requests. */
  tile(shardNotes: readonly ShardNoteWritten[]): Promise<unknown>;
}

export interface SealRun {
  signed: SignedCheckpoint;
  key: string;
  republished: number;
  digestsSent: number;
  tileError: unknown;
}

/**
 * One scheduled run: sign a checkpoint (even when idle), then extend the tiles,
 * publish alerts left in the outbox and the digests of suppression windows
 * that ended. Tiles and the sweeps are catch-up work: their failure is
 * reported (a sweep's is thrown, after the other sweep ran), and the next run
 * redoes them.
 */
export async function runSeal(rt: SealRuntime): Promise<SealRun> {
  const { signed, key, shardNotes } = await seal(rt.deps);
  let tileError: unknown = null;
  await rt.tile(shardNotes).catch((err: unknown) => {
    tileError = err;
  });
  const [alerts, digests] = await Promise.allSettled([rt.outbox ? rt.outbox.sweep() : 0, rt.digests ? rt.digests.sweep() : 0]);
  if (alerts.status === 'rejected') throw alerts.reason;
  if (digests.status === 'rejected') throw digests.reason;
  return { signed, key, republished: alerts.value, digestsSent: digests.value, tileError };
}

export function sealRuntime(env: NodeJS.ProcessEnv = process.env, target?: AwsTarget, onWitnessError?: (err: unknown) => void): SealRuntime {
  const aws = target ?? { region: env.AWS_REGION ?? 'us-east-1' };
  const ddb = new DynamoDBClient(clientConfig(aws));
  const s3 = new S3Client(clientConfig(aws));
  const table = requireEnv(ENV.table, env);
  const origin = requireEnv(ENV.origin, env);
  const topicArn = optionalEnv(ENV.alertTopicArn, env);
  const bucket = requireEnv(ENV.archiveBucket, env);
  const retentionDays = Number(optionalEnv(ENV.retentionDays, env) ?? 0);
  return {
    deps: {
      store: new ChainStore(ddb, table),
      checkpoints: new CheckpointStore(s3, ddb, {
        bucket,
        table,
        retentionDays,
        witnessBucket: optionalEnv(ENV.witnessBucket, env),
        onWitnessError,
      }),
      signer: new KmsSigner(new KMSClient(clientConfig(aws)), requireEnv(ENV.signingKeyId, env), origin),
      origin,
    },
    tile: archiveTileStep({ ddb, s3 }, { table, bucket, retentionDays }),
    outbox: topicArn ? alertOutboxFromEnv(env, aws, ddb, table) : null,
    digests: topicArn ? new SuppressionDigests(ddb, table, new AlertPublisher({ sns: new SNSClient(clientConfig(aws)), topicArn })) : null,
  };
}
