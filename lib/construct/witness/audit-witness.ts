import { Duration, Stack } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subs from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { WITNESS_ENV } from '../../contract/witness-env';
import { acknowledge, acknowledgeWildcardResources } from '../nag';
import { WitnessBucket } from './witness-bucket';
import { WitnessFunction } from './witness-function';
import type { AuditWitnessProps } from './witness-props';

const DEFAULT_RETENTION_DAYS = 2555;

/**
 * A witness for an immutrail archive, deployed in another account: on a
 * schedule it reads each shard's add-checkpoint requests from the archive
 * bucket, cosigns those consistent with what it cosigned before (C2SP
 * tlog-witness), keeps the cosigned notes in its own Object Lock bucket, and
 * alerts on its own topic when it refuses one.
 */
export class AuditWitness extends Construct {
  readonly bucket: WitnessBucket['bucket'];
  readonly table: dynamodb.Table;
  readonly topic: sns.Topic;
  readonly secret: secretsmanager.Secret;
  readonly fn: WitnessFunction['fn'];
  readonly keyName: string;

  constructor(scope: Construct, id: string, props: AuditWitnessProps) {
    super(scope, id);
    // Access logs through a bucket policy, not the LogDeliveryWrite ACL (ACLs are disabled on every bucket here).
    this.node.setContext('@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy', true);
    this.keyName = props.keyName ?? `witness.${Stack.of(this).account}`;
    this.bucket = new WitnessBucket(this, 'Store', { retentionDays: props.retentionDays ?? DEFAULT_RETENTION_DAYS }).bucket;
    this.table = new dynamodb.Table(this, 'State', {
      partitionKey: { name: 'origin', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      deletionProtection: true,
    });
    const topicKey = new kms.Key(this, 'AlertKey', { enableKeyRotation: true, description: 'immutrail witness alert topic' });
    this.topic = new sns.Topic(this, 'Alerts', { masterKey: topicKey, enforceSSL: true, displayName: 'immutrail witness' });
    if (props.alertEmail) this.topic.addSubscription(new subs.EmailSubscription(props.alertEmail));
    // 64 random characters; the Ed25519 seed is their SHA-256 (lib/core/witness/ed25519-key.ts).
    this.secret = new secretsmanager.Secret(this, 'KeySecret', {
      description: 'immutrail witness: the secret its Ed25519 cosigning key is derived from',
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
    });
    const fn = new WitnessFunction(this, 'Witness', {
      environment: {
        [WITNESS_ENV.auditBucket]: props.auditBucketName,
        [WITNESS_ENV.archiveOrigin]: props.archiveOrigin,
        [WITNESS_ENV.logPublicKey]: props.archivePublicKeyPem,
        [WITNESS_ENV.witnessBucket]: this.bucket.bucketName,
        [WITNESS_ENV.stateTable]: this.table.tableName,
        [WITNESS_ENV.topicArn]: this.topic.topicArn,
        [WITNESS_ENV.keyName]: this.keyName,
        [WITNESS_ENV.secretId]: this.secret.secretArn,
      },
    });
    this.fn = fn.fn;
    this.grant(fn.role, props);
    new events.Rule(this, 'Schedule', { schedule: events.Schedule.rate(props.schedule ?? Duration.minutes(5)), targets: [new targets.LambdaFunction(fn.fn)] });
    this.acknowledge(fn, props);
  }

  /** Exactly what a run does: read requests, write cosigned notes and keys, move its state, alert, read its secret. */
  private grant(role: iam.Role, props: AuditWitnessProps): void {
    const audit = `arn:${Stack.of(this).partition}:s3:::${props.auditBucketName}`;
    role.addToPolicy(
      new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [audit], conditions: { StringLike: { 's3:prefix': ['checkpoints/shards/*'] } } }),
    );
    role.addToPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [`${audit}/checkpoints/shards/*`] }));
    role.addToPolicy(new iam.PolicyStatement({ actions: ['s3:PutObject'], resources: [`${audit}/cosignatures/${this.keyName}/*`] }));
    if (props.auditBucketKeyArn)
      role.addToPolicy(new iam.PolicyStatement({ actions: ['kms:Decrypt', 'kms:GenerateDataKey'], resources: [props.auditBucketKeyArn] }));
    for (const prefix of ['cosigned/*', 'witness/*']) {
      role.addToPolicy(new iam.PolicyStatement({ actions: ['s3:PutObject', 's3:GetObject'], resources: [this.bucket.arnForObjects(prefix)] }));
    }
    role.addToPolicy(new iam.PolicyStatement({ actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'], resources: [this.table.tableArn] }));
    // Not grantPublish: it grants kms:GenerateDataKey* where SNS needs only these two.
    role.addToPolicy(new iam.PolicyStatement({ actions: ['sns:Publish'], resources: [this.topic.topicArn] }));
    role.addToPolicy(new iam.PolicyStatement({ actions: ['kms:GenerateDataKey', 'kms:Decrypt'], resources: [this.topic.masterKey!.keyArn] }));
    this.secret.grantRead(role);
  }

  private acknowledge(fn: WitnessFunction, props: AuditWitnessProps): void {
    const audit = `arn:${Stack.of(this).partition}:s3:::${props.auditBucketName}`;
    acknowledgeWildcardResources(
      fn.role,
      [
        `${audit}/checkpoints/shards/*`,
        `${audit}/cosignatures/${this.keyName}/*`,
        this.bucket.arnForObjects('cosigned/*'),
        this.bucket.arnForObjects('witness/*'),
      ],
      'The witness reads every shard checkpoint request under checkpoints/shards/ and writes one object per cosigned checkpoint under its own prefixes; keys are not known in advance.',
    );
    acknowledge(
      this.secret,
      'AwsSolutions-SMG4',
      "The secret is the witness's signing identity: rotating it would change the witness's public key and invalidate every auditor's trust configuration.",
    );
  }
}
