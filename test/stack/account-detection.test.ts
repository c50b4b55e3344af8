/**
 * The organization and per-account detection settings go from the props to
 * the handlers in one variable (IMMUTRAIL_ACCOUNT_DETECTION) that the
 * detectors' own parser reads back; bad input fails synthesis.
 */
import { App, Stack } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENV } from '../../lib/contract/runtime-config';
import { accountDetectionJson, resolveAccountDetection } from '../../lib/construct/account-detection';
import { AuditTrailConfigError } from '../../lib/contract/errors';
import { allAttestationKeyIds, parseDetectionConfig } from '../../lib/core/detect/config';
import { resolveCfn } from './cfn-resolve';
import { cleanupSynths, logicalId, type Synthesized, synthImmutrail } from './synth-helper';

const AUDIT = '111122223333';
const PROD = '444455556666';
const LOG_ARCHIVE = '777788889999';
const ORG_KEY = 'arn:aws:kms:us-east-1:111122223333:key/11111111-1111-1111-1111-111111111111';
const PROD_KEY = 'arn:aws:kms:us-east-1:444455556666:key/22222222-2222-2222-2222-222222222222';

let s: Synthesized;
let env: Record<string, string>;

beforeAll(() => {
  // An imported key's ARN is plain text, so a key imported in a scratch stack can be handed to the trail.
  const prodKey = kms.Key.fromKeyArn(new Stack(new App(), 'Scratch'), 'ProdKey', PROD_KEY);
  s = synthImmutrail({
    context: { bootstrapVersionRule: 'false' },
    stackProps: {
      env: { account: AUDIT, region: 'us-east-1' },
      trail: {
        deployerPrincipals: ['arn:aws:iam::*:role/cdk-*-cfn-exec-role-*'],
        memberAccounts: [LOG_ARCHIVE],
        organizationId: 'o-a1b2c3d4e5',
        organizationAccounts: [AUDIT, PROD, LOG_ARCHIVE],
        accountOverrides: { [PROD]: { attestationKeys: [prodKey] } },
      },
    },
  });
  const ingest = s.json.Resources[logicalId(s.stack, s.stack.trail.ingestFunction)]!;
  const vars = ingest.Properties!.Environment.Variables as Record<string, unknown>;
  env = { [ENV.accountDetection]: resolveCfn(vars[ENV.accountDetection], { account: AUDIT, region: 'us-east-1' }) };
}, 120_000);

afterAll(cleanupSynths);

describe('IMMUTRAIL_ACCOUNT_DETECTION in the stack', () => {
  it('carries the organization and the stack accounts, and parses with the detectors own parser', () => {
    const config = parseDetectionConfig(env);
    expect(config.organization).toMatchObject({ accounts: [AUDIT, PROD, LOG_ARCHIVE], id: 'o-a1b2c3d4e5' });
    expect(config.accountOverrides).toEqual({ [PROD]: { attestationKeyIds: [PROD_KEY] } });
    // The stack's own account first, then those named in the props (memberAccounts, the overrides').
    expect(config.organization.stackAccounts).toEqual([AUDIT, LOG_ARCHIVE, PROD]);
  });

  it('lets the detecting functions read the public key of an account-only attestation key', () => {
    const statements = Object.values(s.json.Resources)
      .filter((r) => r.Type === 'AWS::IAM::Policy')
      .flatMap((r) => r.Properties!.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[]);
    const reads = statements.filter((st) => [st.Action].flat().includes('kms:GetPublicKey'));
    expect(reads.flatMap((st) => [st.Resource].flat())).toContain(PROD_KEY);
  });

  it('per-account overrides: deployers, scope and key ARNs reach the handlers in the shapes the detectors parse', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const stack = new Stack(app, 'Keys', { env: { account: AUDIT, region: 'us-east-1' } });
    const orgKey = kms.Key.fromKeyArn(stack, 'OrgKey', ORG_KEY);
    const prodKey = kms.Key.fromKeyArn(stack, 'ProdKey', PROD_KEY);
    const r = resolveAccountDetection({
      accountOverrides: {
        [PROD]: {
          deployerPrincipals: ['arn:aws:iam::444455556666:role/prod-pipeline'],
          immutableScope: { mode: 'tag', key: 'immutable' },
          attestationKeys: [prodKey],
        },
      },
      configuredAccounts: [LOG_ARCHIVE],
      plan: [{ shard: 'api-prod', family: 'api', accounts: [PROD] }],
    });
    expect(r.overrideKeys).toEqual([prodKey]);
    expect(r.configuredAccounts).toEqual([LOG_ARCHIVE, PROD]);
    // Everything is concrete in this stack (account in env, imported key ARNs), so the JSON resolves to plain text.
    const json = stack.resolve(accountDetectionJson(stack, r)) as string;
    const config = parseDetectionConfig({ [ENV.accountDetection]: json, [ENV.attestationKeyIds]: JSON.stringify([orgKey.keyArn]) });
    expect(config.accountOverrides[PROD]).toMatchObject({
      deployers: { principals: ['arn:aws:iam::444455556666:role/prod-pipeline'] },
      immutableScope: { mode: 'tag', key: 'immutable' },
      attestationKeyIds: [PROD_KEY],
    });
    expect(config.organization).toEqual({ accounts: null, id: null, stackAccounts: [AUDIT, LOG_ARCHIVE, PROD] });
    expect(allAttestationKeyIds(config)).toEqual([ORG_KEY, PROD_KEY]);
  });

  it.each([
    ['an override for a non-12-digit account', { accountOverrides: { '4444': {} } }, /"4444" in "accounts" is not a 12-digit AWS account id/],
    ['a bad deployer in an override', { accountOverrides: { [PROD]: { deployerPrincipals: ['prod-pipeline'] } } }, /neither an ARN/],
    ['a bad organization account', { organizationAccounts: ['prod'] }, /"prod" in "organizationAccounts"/],
  ])('rejects %s at synthesis', (_what, props, message) => {
    let err: unknown;
    try {
      resolveAccountDetection({ ...props, configuredAccounts: [], plan: [] });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(AuditTrailConfigError);
    expect((err as AuditTrailConfigError).code).toBe('INVALID_DETECTION_CONFIG');
    expect((err as Error).message).toMatch(message);
  });
});
