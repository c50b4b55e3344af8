import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { clientConfig, type AwsTarget, type SdkClientConfig } from '../aws/client-config';

/**
 * Client settings that act as another account on the emulator: moto gives
 * each AssumeRole session the account of the role it assumed, so a bucket
 * created with them belongs to that account (the organization's log-archive
 * account in `demo --accounts`). Control Tower and Organizations create this
 * role in every member account.
 */
export async function accountSession(
  target: AwsTarget,
  account: string,
  role = 'OrganizationAccountAccessRole',
): Promise<SdkClientConfig & { credentials: { accessKeyId: string; secretAccessKey: string; sessionToken: string } }> {
  const base = clientConfig(target);
  const out = await new STSClient(base).send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${account}:role/${role}`, RoleSessionName: 'immutrail-demo' }));
  const c = out.Credentials;
  if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken) throw new Error(`AssumeRole into ${account} returned no credentials`);
  return { ...base, credentials: { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken } };
}
