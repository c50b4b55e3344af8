import * as iam from 'aws-cdk-lib/aws-iam';
import type { ImmutrailStack } from '../../lib/immutrail-stack';
import { type SynthOptions, type Synthesized, synthImmutrail } from './synth-helper';

/**
 * Every optional feature switched on through CDK context, the way a user would
 * deploy it, plus an auditor role and a CI role granted through the
 * construct's grant methods: the configuration with the most IAM in it.
 */
export const FULL_CONTEXT = {
  alertEmail: 'security@example.com',
  retentionDays: '2555',
  deployerPrincipals: 'arn:aws:iam::111122223333:role/deploy,arn:aws:iam::*:role/cdk-*-cfn-exec-role-*',
  attestationKeyArns: 'arn:aws:kms:us-east-1:111122223333:key/11111111-2222-3333-4444-555555555555',
  witnessBucketArn: 'arn:aws:s3:::witness-bucket-in-another-account',
  trailBucketName: 'org-cloudtrail-logs',
  trailPrefix: 'org/',
  trailName: 'org-trail',
  trailKeyArn: 'arn:aws:kms:us-east-1:111122223333:key/66666666-7777-8888-9999-000000000000',
  silenceMinutes: '30',
  immutableScope: '{"mode":"tag","key":"immutable","value":"true"}',
} as const;

export interface FullStack extends Synthesized {
  readonly auditorRole: iam.Role;
  readonly ciRole: iam.Role;
}

export function synthFullStack(opts: Pick<SynthOptions, 'bundle'> = {}): FullStack {
  let auditorRole: iam.Role | undefined;
  let ciRole: iam.Role | undefined;
  const s = synthImmutrail({
    ...opts,
    context: FULL_CONTEXT,
    configure: (stack: ImmutrailStack) => {
      auditorRole = new iam.Role(stack, 'Auditor', { assumedBy: new iam.AccountRootPrincipal() });
      stack.trail.grantRead(auditorRole);
      ciRole = new iam.Role(stack, 'Pipeline', { assumedBy: new iam.AccountRootPrincipal() });
      stack.trail.grantAttest(ciRole, stack.trail.attestationKeys[0]);
    },
  });
  return { ...s, auditorRole: auditorRole!, ciRole: ciRole! };
}
