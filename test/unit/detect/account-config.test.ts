import { describe, expect, it } from 'vitest';
import { ENV } from '../../../lib/contract/runtime-config';
import { contextForAccount } from '../../../lib/core/detect/account-context';
import { allAttestationKeyIds, configForAccount, DetectionConfigError, parseDetectionConfig } from '../../../lib/core/detect/config';
import { runDetectors } from '../../../lib/core/detect';
import { deployerMatcher } from '../../../lib/core/detect/principals';
import { actorOf, assumedRole, context, ct, eventRecord, signingKey } from './helpers';

const DEV = '111122223333';
const PROD = '444455556666';
const KEY_ORG = 'arn:aws:kms:us-east-1:999999999999:key/org';
const KEY_PROD = 'arn:aws:kms:us-east-1:444455556666:key/prod';

const env = (accountDetection: unknown, extra: Record<string, string> = {}) => ({
  [ENV.deployerPrincipals]: JSON.stringify(['arn:aws:iam::*:role/cdk-*-cfn-exec-role-*']),
  [ENV.attestationKeyIds]: JSON.stringify([KEY_ORG]),
  [ENV.accountDetection]: JSON.stringify(accountDetection),
  ...extra,
});

function parseError(accountDetection: unknown): DetectionConfigError {
  try {
    parseDetectionConfig(env(accountDetection));
  } catch (e) {
    if (e instanceof DetectionConfigError) return e;
    throw e;
  }
  throw new Error('parsed without error');
}

describe('IMMUTRAIL_ACCOUNT_DETECTION', () => {
  it('is optional: one organization-wide setting, no organization list', () => {
    const config = parseDetectionConfig({});
    expect(config.accountOverrides).toEqual({});
    expect(config.organization).toEqual({ accounts: null, stackAccounts: [], id: null });
  });

  it('parses the organization and per-account overrides in the shapes of the organization-wide variables', () => {
    const config = parseDetectionConfig(
      env({
        organizationAccounts: [DEV, PROD],
        organizationId: 'o-a1b2c3d4e5',
        stackAccounts: [DEV],
        accounts: {
          [PROD]: {
            deployerPrincipals: { principals: ['arn:aws:iam::444455556666:role/prod-pipeline'], services: [] },
            immutableScope: { mode: 'tag', key: 'immutable' },
            attestationKeyIds: [KEY_PROD],
          },
          [DEV]: { immutableScope: { mode: 'types', types: ['AWS::EC2::*'] } },
        },
      }),
    );
    expect(config.organization).toEqual({ accounts: [DEV, PROD], stackAccounts: [DEV], id: 'o-a1b2c3d4e5' });
    expect(config.accountOverrides[PROD]).toEqual({
      deployers: { principals: ['arn:aws:iam::444455556666:role/prod-pipeline'], services: [], serviceLinkedRoles: true },
      immutableScope: { mode: 'tag', key: 'immutable', value: null, unknownTags: 'in-scope' },
      attestationKeyIds: [KEY_PROD],
    });
    expect(config.accountOverrides[DEV]).toEqual({ immutableScope: { mode: 'types', types: ['AWS::EC2::*'] } });
    expect(allAttestationKeyIds(config)).toEqual([KEY_ORG, KEY_PROD]);
  });

  it.each([
    ['a non-12-digit account', { accounts: { '12345': {} } }, /"12345" in "accounts" is not a 12-digit AWS account id/],
    ['an unknown override field', { accounts: { [DEV]: { deployers: [] } } }, /account 111122223333: unknown key "deployers"/],
    ['an unknown top-level field', { organisationAccounts: [DEV] }, /unknown key "organisationAccounts"/],
    ['a bad organization account', { organizationAccounts: [DEV, 'o-a1b2c3d4e5'] }, /"o-a1b2c3d4e5" in "organizationAccounts"/],
    ['a bad organization id', { organizationId: '123' }, /"organizationId" "123" is not an organization id/],
    ['a bad deployer in an override', { accounts: { [DEV]: { deployerPrincipals: ['cdk-role'] } } }, /neither an ARN/],
    ['a bad scope in an override', { accounts: { [DEV]: { immutableScope: { mode: 'some' } } } }, /unknown mode "some"/],
    ['keys that are not strings', { accounts: { [DEV]: { attestationKeyIds: [1] } } }, /attestationKeyIds/],
    ['not an object', [DEV], /expected a JSON object/],
  ])('rejects %s, naming the variable', (_what, value, message) => {
    const err = parseError(value);
    expect(err.variable).toBe(ENV.accountDetection);
    expect(err.code).toBe('DETECTION_CONFIG_INVALID');
    expect(err.message).toMatch(message);
  });

  it('rejects text that is not JSON', () => {
    expect(() => parseDetectionConfig({ [ENV.accountDetection]: '{accounts:' })).toThrow(/IMMUTRAIL_ACCOUNT_DETECTION: not valid JSON/);
  });
});

describe('configForAccount', () => {
  const config = parseDetectionConfig(
    env({ accounts: { [PROD]: { deployerPrincipals: ['arn:aws:iam::444455556666:role/prod-pipeline'], attestationKeyIds: [KEY_PROD] } } }),
  );

  it('gives an account without an override, and events without an account, the organization-wide settings', () => {
    expect(configForAccount(config, DEV)).toBe(config);
    expect(configForAccount(config, null)).toBe(config);
  });

  it('replaces a setting whole where the account overrides it, and keeps the others', () => {
    const prod = configForAccount(config, PROD);
    expect(prod.deployers.principals).toEqual(['arn:aws:iam::444455556666:role/prod-pipeline']);
    expect(prod.attestationKeyIds).toEqual([KEY_PROD]);
    expect(prod.immutableScope).toBe(config.immutableScope);
    expect(prod.protectedResources).toBe(config.protectedResources);
  });

  it('keeps organization-wide deployer globs with the account in them working in every account', () => {
    const cdk = (account: string) =>
      actorOf(
        ct({
          eventSource: 'ec2.amazonaws.com',
          eventName: 'X',
          userIdentity: assumedRole(`arn:aws:iam::${account}:role/cdk-hnb659fds-cfn-exec-role-${account}-us-east-1`),
        }),
      );
    expect(deployerMatcher(configForAccount(config, DEV).deployers).match(cdk(DEV))).toMatchObject({ by: 'principal' });
    // PROD replaced the organization's deployers with its own pipeline.
    expect(deployerMatcher(configForAccount(config, PROD).deployers).match(cdk(PROD))).toBeNull();
  });
});

describe('detectors use the settings of the event account', () => {
  const config = parseDetectionConfig(env({ accounts: { [PROD]: { deployerPrincipals: ['arn:aws:iam::444455556666:role/prod-pipeline'] } } }));
  const sgChange = (account: string, roleArn: string) =>
    eventRecord(
      ct({
        eventSource: 'ec2.amazonaws.com',
        eventName: 'AuthorizeSecurityGroupIngress',
        eventID: `sg-${account}`,
        recipientAccountId: account,
        userIdentity: assumedRole(roleArn),
        requestParameters: { groupId: 'sg-0123456789abcdef0' },
      }),
    );

  it('a pipeline role is a deployer only in the account that names it', async () => {
    const prodPipeline = 'arn:aws:iam::444455556666:role/prod-pipeline';
    const ctx = context({ config });
    expect((await runDetectors(sgChange(PROD, prodPipeline), ctx)).map((a) => a.rule)).not.toContain('drift.security-group');
    // The organization-wide CDK role is not a deployer in PROD any more, and still is in DEV.
    const cdkProd = 'arn:aws:iam::444455556666:role/cdk-hnb659fds-cfn-exec-role-444455556666-us-east-1';
    const cdkDev = 'arn:aws:iam::111122223333:role/cdk-hnb659fds-cfn-exec-role-111122223333-us-east-1';
    const prodAlerts = await runDetectors(sgChange(PROD, cdkProd), ctx);
    expect(prodAlerts.map((a) => [a.rule, a.account])).toContainEqual(['drift.security-group', PROD]);
    expect((await runDetectors(sgChange(DEV, cdkDev), ctx)).map((a) => a.rule)).not.toContain('drift.security-group');
  });

  it('an account trusts only its own attestation keys when accounts name keys', () => {
    const org = signingKey('ECDSA_SHA_256', KEY_ORG);
    const prod = signingKey('ECDSA_SHA_256', KEY_PROD);
    const withKeys = parseDetectionConfig(env({ accounts: { [PROD]: { attestationKeyIds: [KEY_PROD] } } }));
    const ctx = context({ config: withKeys, trustedKeys: [org.trusted, prod.trusted] });
    expect(contextForAccount(ctx, PROD).trustedKeys.map((k) => k.keyName)).toEqual([KEY_PROD]);
    expect(contextForAccount(ctx, DEV).trustedKeys.map((k) => k.keyName)).toEqual([KEY_ORG]);
    // Without account keys the context is passed through as the runtime built it.
    const plain = context({ config: parseDetectionConfig(env({})), trustedKeys: [org.trusted] });
    expect(contextForAccount(plain, PROD)).toBe(plain);
  });
});
