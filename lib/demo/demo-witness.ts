import { randomBytes } from 'node:crypto';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { createArchiveBucket } from '../aws/archive-bucket-setup';
import { clientConfig, type AwsTarget } from '../aws/client-config';
import { WITNESS_ENV } from '../contract/witness-env';
import { cosignatureKeyId, cosignerVkey, type Cosigner } from '../core/witness/cosignature';
import { runWitness } from '../witness/run-witness';
import { witnessRuntime } from '../witness/runtime';

/** The demo witness's key name (C2SP: a name the witness is known by). */
export const DEMO_WITNESS_NAME = 'witness.immutrail-demo';

export interface DemoWitness {
  name: string;
  /** C2SP cosignature/v1 key ID, hex. */
  keyId: string;
  /** The verifier key (`name+id+key`), what `verify --witness-key` reads. */
  vkey: string;
  cosigner: Cosigner;
  /** Shard checkpoints this run cosigned, and in how many shards. */
  cosigned: number;
  shards: number;
  /** Shards whose requests it refused (none on an honest archive). */
  refused: string[];
  /** Its own bucket (cosigned/ notes, its public key). */
  bucket: string;
}

/** The line the demo prints after the witness run. */
export function witnessLine(w: Pick<DemoWitness, 'name' | 'cosigned' | 'refused'>): string {
  return `witness ${w.name} cosigned ${w.cosigned} shard checkpoints (C2SP cosignature/v1)${w.refused.length ? `; REFUSED ${w.refused.join(', ')}` : ''}`;
}

/** The witness's own resources, as its construct would create them: an Object Lock bucket, a state table, an alert topic. */
async function createWitnessResources(target: AwsTarget, suffix: string): Promise<{ bucket: string; table: string; topicArn: string }> {
  const cfg = clientConfig(target);
  const bucket = `immutrail-witness-${suffix}`;
  const table = `immutrail-witness-state-${suffix}`;
  await createArchiveBucket(new S3Client(cfg), { bucket, region: target.region, retentionDays: 1, policy: 'none' });
  await new DynamoDBClient(cfg).send(
    new CreateTableCommand({
      TableName: table,
      AttributeDefinitions: [{ AttributeName: 'origin', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'origin', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  const topicArn = (await new SNSClient(cfg).send(new CreateTopicCommand({ Name: `immutrail-witness-alerts-${suffix}` }))).TopicArn!;
  return { bucket, table, topicArn };
}

/**
 * One run of a witness, in-process as the demo runs the other handlers, over
 * the requests the seal left beside its shard checkpoints. On the emulator it
 * lives in the same account as the archive (a real witness runs in another
 * account or organization: that is the point of it); its key is fresh per run.
 */
export async function runDemoWitness(target: AwsTarget, archive: { bucket: string; origin: string; publicKeyPem: string }, suffix: string): Promise<DemoWitness> {
  const r = await createWitnessResources(target, suffix);
  const env = {
    [WITNESS_ENV.auditBucket]: archive.bucket,
    [WITNESS_ENV.archiveOrigin]: archive.origin,
    [WITNESS_ENV.logPublicKey]: archive.publicKeyPem,
    [WITNESS_ENV.witnessBucket]: r.bucket,
    [WITNESS_ENV.stateTable]: r.table,
    [WITNESS_ENV.topicArn]: r.topicArn,
    [WITNESS_ENV.keyName]: DEMO_WITNESS_NAME,
  };
  const deps = witnessRuntime(env, randomBytes(32).toString('hex'), target);
  const outcomes = await runWitness(deps);
  const cosigner = { name: DEMO_WITNESS_NAME, publicRaw: deps.key.publicRaw };
  return {
    name: DEMO_WITNESS_NAME,
    keyId: cosignatureKeyId(cosigner.name, cosigner.publicRaw).toString('hex'),
    vkey: cosignerVkey(cosigner),
    cosigner,
    cosigned: outcomes.reduce((n, o) => n + o.cosigned, 0),
    shards: outcomes.filter((o) => o.cosigned > 0).length,
    refused: outcomes.filter((o) => o.refused).map((o) => o.shard),
    bucket: r.bucket,
  };
}
