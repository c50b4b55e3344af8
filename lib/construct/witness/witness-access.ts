import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { witnessAccessStatements, witnessPrincipalArn, type WitnessPrincipal } from './witness-access-policy';

/**
 * Lets the witnesses read checkpoints and offer cosignatures (see
 * witness-access-policy.ts), and use the archive's data key for exactly
 * that, through S3 only: the bucket is SSE-KMS, so without the key a
 * cross-account GetObject fails even when the bucket policy allows it.
 */
export function grantWitnesses(bucket: s3.IBucket, dataKey: kms.IKey | undefined, witnesses: readonly WitnessPrincipal[] | undefined): void {
  if (!witnesses || witnesses.length === 0) return;
  const stack = Stack.of(bucket);
  for (const json of witnessAccessStatements(bucket.bucketArn, witnesses, stack.partition)) bucket.addToResourcePolicy(iam.PolicyStatement.fromJson(json));
  dataKey?.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'WitnessUseThroughS3',
      principals: witnesses.map((w) => new iam.ArnPrincipal(witnessPrincipalArn(w, stack.partition))),
      actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
      resources: ['*'],
      conditions: { StringEquals: { 'kms:ViaService': `s3.${stack.region}.amazonaws.com` } },
    }),
  );
}
