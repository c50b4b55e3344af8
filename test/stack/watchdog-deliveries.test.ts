import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { describe, expect, it } from 'vitest';
import { ENV } from '../../lib/contract/runtime-config';
import { AuditTrail } from '../../lib/construct/audit-trail';
import { resolveAuditTrailProps, type AuditTrailProps } from '../../lib/construct/audit-trail-props';
import { handlerEnvironment } from '../../lib/construct/handler-environment';
import { AuditTrailConfigError } from '../../lib/contract/errors';

function synth(props: Partial<AuditTrailProps>, withBucket = true): { stack: Stack; trail: AuditTrail; template: Template } {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'S', { env: { account: '999988887777', region: 'eu-west-1' } });
  const trailBucket = withBucket ? s3.Bucket.fromBucketName(stack, 'OrgTrail', 'org-trail-logs') : undefined;
  const trail = new AuditTrail(stack, 'T', { ...(trailBucket ? { trailBucket, trailPrefix: 'org' } : {}), ...props });
  return { stack, trail, template: Template.fromStack(stack) };
}

const policiesOf = (template: Template, stack: Stack, fnRoleLogicalIdPart: string) =>
  Object.entries(template.findResources('AWS::IAM::Policy'))
    .filter(([, r]) => JSON.stringify(r.Properties.Roles).includes(fnRoleLogicalIdPart))
    .flatMap(([, r]) => r.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown; Condition?: unknown }[]);

// Issue 14, coverage per account: the watchdog lists the trail bucket's key names and knows what to expect.
describe('the watchdog of a trail bucket (per-account deliveries)', () => {
  it('gets the expected accounts and the silence in hours, and may list key names under AWSLogs/ only', () => {
    const { stack, trail, template } = synth({ expectedAccounts: ['111111111111', '222222222222'], accountSilenceHours: 12 });
    expect(trail.watchdogFunction).toBeDefined();
    const fn = template.findResources('AWS::Lambda::Function');
    const watchdog = Object.values(fn).find((r) => String(r.Properties.Description).includes('trail is logging'))!;
    expect(watchdog.Properties.Environment.Variables).toMatchObject({
      [ENV.trailBucket]: 'org-trail-logs',
      [ENV.expectedAccounts]: '["111111111111","222222222222"]',
      [ENV.accountSilenceHours]: '12',
    });
    const list = policiesOf(template, stack, 'WatchdogRole').filter((s) => s.Action === 's3:ListBucket');
    expect(list).toHaveLength(1);
    expect(JSON.stringify(list[0].Resource)).toContain('org-trail-logs');
    expect(list[0].Condition).toEqual({ StringLike: { 's3:prefix': ['org/AWSLogs/*'] } });
    // Key names only: the watchdog reads no log file.
    expect(JSON.stringify(policiesOf(template, stack, 'WatchdogRole'))).not.toContain('org-trail-logs/');
  });

  it('defaults: 24 hours and the accounts seen delivering (no list in the environment)', () => {
    const stack = new Stack(new App(), 'E');
    const config = resolveAuditTrailProps({ silenceMinutes: 30, trailBucket: s3.Bucket.fromBucketName(stack, 'B', 'org-trail-logs') });
    const env = handlerEnvironment(stack, {
      config,
      archiveBucket: 'a',
      table: 't',
      signingKeyArn: 'k',
      alertTopicArn: 'n',
      origin: 'o',
      attestationKeyArns: [],
      protectedResources: {} as never,
      trailBucket: 'org-trail-logs',
      stagingBucket: 's',
      stagingPrefix: 'live/',
    });
    expect(config).toMatchObject({ watchdogEnabled: true, accountSilenceHours: 24, expectedAccounts: [] });
    expect(env[ENV.accountSilenceHours]).toBe('24');
    expect(env[ENV.expectedAccounts]).toBeUndefined();
    expect(resolveAuditTrailProps({}).watchdogEnabled).toBe(false);
    expect(resolveAuditTrailProps({ accountSilenceHours: 6 }).watchdogEnabled).toBe(true);
  });

  it('refuses an account id that is not 12 digits, a silence out of range, and expected accounts without a trail bucket', () => {
    const code = (fn: () => unknown) => {
      try {
        fn();
      } catch (err) {
        return err instanceof AuditTrailConfigError ? err.code : String(err);
      }
      return 'no error';
    };
    expect(code(() => synth({ expectedAccounts: ['12345'] }))).toBe('INVALID_ACCOUNT');
    expect(code(() => synth({ accountSilenceHours: 0 }))).toBe('INVALID_SILENCE');
    expect(code(() => synth({ accountSilenceHours: 1.5 }))).toBe('INVALID_SILENCE');
    expect(code(() => synth({ expectedAccounts: ['111111111111'] }, false))).toBe('INVALID_ACCOUNT');
  });
});
