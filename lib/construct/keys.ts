import { RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';

/**
 * The trail's two KMS keys: a symmetric data key (archive bucket, table, queues,
 * topic) and an asymmetric ECC P-256 key that signs checkpoints. Both are
 * retained when the stack is deleted: a deleted signing key would make every
 * past checkpoint unverifiable against KMS, a deleted data key would make the
 * archive unreadable.
 */
export class TrailKeys extends Construct {
  readonly dataKey: kms.Key;
  readonly signingKey: kms.Key;

  constructor(scope: Construct, id: string) {
    super(scope, id);

    this.dataKey = new kms.Key(this, 'DataKey', {
      description: 'immutrail: encrypts the archive, the index table, the ingest queues and the alert topic',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // CloudWatch alarms publish to the encrypted topic as a service principal,
    // so the key policy itself must admit it (EventBridge's equivalent
    // statement for the encrypted queues is added by the SQS targets, limited
    // to this account). The topic's own policy decides who may publish.
    this.dataKey.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchAlarmsToPublishToEncryptedTopic',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
        resources: ['*'],
      }),
    );

    this.signingKey = new kms.Key(this, 'SigningKey', {
      description: 'immutrail: signs checkpoints (ECDSA P-256); its public key is what verifiers trust',
      keySpec: kms.KeySpec.ECC_NIST_P256,
      keyUsage: kms.KeyUsage.SIGN_VERIFY,
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }
}
