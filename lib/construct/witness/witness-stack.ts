import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { AuditWitness } from './audit-witness';
import type { AuditWitnessProps } from './witness-props';

export interface ImmutrailWitnessStackProps extends StackProps {
  readonly witness: AuditWitnessProps;
}

/** A deployable stack holding one AuditWitness, for the account that witnesses an archive. */
export class ImmutrailWitnessStack extends Stack {
  readonly witness: AuditWitness;

  constructor(scope: Construct, id: string, props: ImmutrailWitnessStackProps) {
    const { witness, ...stackProps } = props;
    super(scope, id, { description: 'immutrail witness: cosigns an archive checkpoints consistent with the last it cosigned', ...stackProps });
    this.witness = new AuditWitness(this, 'Witness', witness);
    new CfnOutput(this, 'WitnessBucketName', {
      value: this.witness.bucket.bucketName,
      description: 'Cosigned notes (cosigned/) and the public key (witness/<key name>.pem, .vkey)',
    });
    new CfnOutput(this, 'WitnessKeyName', { value: this.witness.keyName, description: 'The key name in cosignatures' });
    new CfnOutput(this, 'WitnessTopicArn', { value: this.witness.topic.topicArn, description: 'Refusal alerts' });
    new CfnOutput(this, 'WitnessFunctionName', { value: this.witness.fn.functionName, description: 'The witness function' });
  }
}
