import { createPublicKey } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';
import { clientConfig, type AwsTarget } from '../aws/client-config';
import { WITNESS_ENV } from '../contract/witness-env';
import { ImmutrailError } from '../core/errors';
import { ed25519FromSecret } from '../core/witness/ed25519-key';
import { checkpointOpener } from '../core/witness/log-opener';
import { S3RequestSource } from './audit-source';
import { S3CosignedStore } from './cosigned-store';
import { snsRefusalAlerter } from './refusal-alert';
import { DynamoWitnessStateStore } from './state-store';
import type { WitnessDeps } from './witness-deps';

export { WITNESS_ENV };

export class WitnessConfigError extends ImmutrailError {
  readonly code = 'WITNESS_CONFIG';
}

function need(env: NodeJS.ProcessEnv, name: string): string {
  const v = env[name];
  if (!v) throw new WitnessConfigError(`${name} is not set`);
  return v;
}

/**
 * The witness's dependencies from its environment. `secret` is the key
 * material's source: the Lambda reads it through the Parameters and Secrets
 * extension; tests pass the string.
 */
export function witnessRuntime(env: NodeJS.ProcessEnv, secret: string, target?: AwsTarget): WitnessDeps {
  const aws = target ?? { region: need(env, 'AWS_REGION') };
  const s3 = new S3Client(clientConfig(aws));
  const keyName = need(env, WITNESS_ENV.keyName);
  return {
    source: new S3RequestSource(s3, need(env, WITNESS_ENV.auditBucket)),
    states: new DynamoWitnessStateStore(new DynamoDBClient(clientConfig(aws)), need(env, WITNESS_ENV.stateTable)),
    store: new S3CosignedStore(s3, need(env, WITNESS_ENV.witnessBucket), need(env, WITNESS_ENV.auditBucket), keyName),
    alert: snsRefusalAlerter(new SNSClient(clientConfig(aws)), need(env, WITNESS_ENV.topicArn)),
    open: checkpointOpener(createPublicKey(need(env, WITNESS_ENV.logPublicKey))),
    key: ed25519FromSecret(secret),
    keyName,
    archiveOrigin: need(env, WITNESS_ENV.archiveOrigin),
  };
}
