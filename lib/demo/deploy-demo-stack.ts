import { randomUUID } from 'node:crypto';
import { CreateKeyCommand, type KMSClient } from '@aws-sdk/client-kms';
import type { AwsTarget } from '../aws/client-config';
import { deployLocalStack } from '../local/deploy-template';
import type { LocalStack } from '../local/provision';
import { OrgDemo } from './org-demo';
import { LOG_ARCHIVE_ACCOUNT, organizationShards } from './organization';
import type { DemoProgress } from './run-demo';

/** Who may change infrastructure in the demo account: CDK's and the pipeline's roles. */
export const DEMO_DEPLOYERS = ['arn:aws:iam::*:role/cdk-*', 'arn:aws:iam::*:role/deploy-*'];

/**
 * The demo's Deploy step: a CI attestation key, then the synthesized stack
 * on the emulator, reading a trail bucket (in the log-archive account with
 * `accounts`) and capturing read-only calls.
 */
export async function deployDemoStack(
  target: AwsTarget,
  kms: KMSClient,
  accounts: number | undefined,
  p: DemoProgress,
): Promise<{ stack: LocalStack; org: OrgDemo | null; attestKey: string; trailBucket: string }> {
  p.step('Deploying the synthesized stack template to the emulator (CloudFormation)');
  const attestKey = (await kms.send(new CreateKeyCommand({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY', Description: 'CI attestation key (demo)' })))
    .KeyMetadata!.Arn!;
  // The demo's stack reads a trail bucket and captures read-only calls (which come by the trail lane only).
  // moto delivers S3's "Object Created" events through the objects rule to the ingest queue by itself.
  const stackName = `immutrail-${randomUUID().slice(0, 8)}`;
  const trailBucket = `${stackName}-trail`;
  const org = accounts ? new OrgDemo(accounts) : null;
  if (org) {
    await org.createTrailBucket(target, trailBucket);
    p.info(`organization ${org.org.id}: ${org.org.accounts.map((a) => `${a.id} (${a.role})`).join(', ')}; the trail bucket ${trailBucket} belongs to the log-archive account`);
  }
  const stack = await deployLocalStack(target, {
    name: stackName,
    deployerPrincipals: DEMO_DEPLOYERS,
    attestationKeyArns: [attestKey],
    trailBucket,
    ...(org ? { shards: organizationShards(org.org), trailBucketAccount: LOG_ARCHIVE_ACCOUNT } : {}),
    capture: { captureReadOnlyApiCalls: true },
    objectNotifications: true,
    onStep: (l) => p.info(l),
  });
  return { stack, org, attestKey, trailBucket };
}
