import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditTrailConfigError } from '../../lib/contract/errors';
import { cleanupSynths, logicalId, resourcesOfType, synthImmutrail, type Synthesized } from './synth-helper';

let audit: Synthesized;
let local: Synthesized;

beforeAll(() => {
  // The EventBridge alternative (trailNotifications=eventbridge); the default, S3 notifications to the queue, is in org-wiring.test.ts.
  audit = synthImmutrail({
    context: {
      trailBucketName: 'org-trail-logs',
      trailPrefix: 'org/',
      trailBucketAccount: '111100002222',
      trailNotifications: 'eventbridge',
      memberAccounts: '333333333333,444444444444',
    },
  });
  local = synthImmutrail({ context: { trailBucketName: 'my-trail-logs' } });
}, 120_000);

afterAll(cleanupSynths);

// Issue 14: the stack in the audit account reads the organization trail's bucket in the log-archive account.
describe('a trail bucket in another account (log archive)', () => {
  it("with trailNotifications=eventbridge, accepts that account's events on this account's default bus, and only PutEvents", () => {
    const policies = resourcesOfType(audit.json, 'AWS::Events::EventBusPolicy').map(([, r]) => r.Properties!);
    const trail = policies.filter((p) => p.StatementId === 'immutrail-trail-events-111100002222');
    expect(trail).toHaveLength(1);
    expect(trail[0]).toMatchObject({ EventBusName: 'default' });
    expect(trail[0].Statement).toMatchObject({ Effect: 'Allow', Action: 'events:PutEvents' });
    expect(JSON.stringify(trail[0].Statement.Principal)).toContain(':iam::111100002222:root');
    expect(resourcesOfType(local.json, 'AWS::Events::EventBusPolicy')).toEqual([]);
  });

  it('with trailNotifications=eventbridge, gives S3 no queue or key statement and outputs no queue ARN', () => {
    expect(JSON.stringify(audit.json.Resources)).not.toContain('"s3.amazonaws.com"');
    expect(audit.json.Outputs!.IngestQueueArn).toBeUndefined();
    const objects = audit.json.Resources[logicalId(audit.stack, audit.stack.trail.objectsRule)].Properties!;
    expect(JSON.stringify(objects.EventPattern)).toContain('org-trail-logs');
  });

  it('with memberAccounts, admits exactly those accounts on the default bus, for PutEvents only', () => {
    const policies = resourcesOfType(audit.json, 'AWS::Events::EventBusPolicy').map(([, r]) => r.Properties!);
    const members = policies.find((p) => p.StatementId === 'immutrail-member-accounts')!;
    expect(members.Statement.Action).toBe('events:PutEvents');
    const principals = JSON.stringify(members.Statement.Principal);
    expect(principals.match(/iam::\d{12}:root/g)).toEqual(['iam::333333333333:root', 'iam::444444444444:root']);
    expect(policies).toHaveLength(2);
  });

  it('outputs the roles that read log files (ingest and the sweep), which org-policy names in the log-archive policies', () => {
    const output = audit.json.Outputs!.TrailReaderRoleArns as { Value: unknown };
    const refs = JSON.stringify(output.Value);
    for (const fn of [audit.stack.trail.ingestFunction, audit.stack.trail.reconcileFunction!]) {
      const roleId = logicalId(audit.stack, fn.role! as unknown as { node: { defaultChild?: unknown } });
      expect(refs).toContain(roleId);
    }
    expect(audit.stack.trail.trailReaders).toHaveLength(2);
  });

  it('gets the watchdog, whose delivery check lists the bucket, and outputs its role for the ListBucket statement', () => {
    const watchdog = audit.stack.trail.watchdogFunction;
    expect(watchdog).toBeDefined();
    expect(audit.stack.trail.trailListers).toEqual([watchdog!.role]);
    const roleId = logicalId(audit.stack, watchdog!.role! as unknown as { node: { defaultChild?: unknown } });
    expect(audit.json.Outputs!.TrailListerRoleArns).toMatchObject({ Value: { 'Fn::GetAtt': [roleId, 'Arn'] } });
    // the readers stay ingest and reconcile: the watchdog reads no log file
    expect(JSON.stringify((audit.json.Outputs!.TrailReaderRoleArns as { Value: unknown }).Value)).not.toContain(roleId);
    // a trail bucket of this account alone enables no watchdog, so nothing lists it
    expect(local.stack.trail.watchdogFunction).toBeUndefined();
    expect(local.json.Outputs!.TrailListerRoleArns).toBeUndefined();
  });

  it('refuses an account that is not 12 digits', () => {
    expect(() => synthImmutrail({ context: { trailBucketName: 'org-trail-logs', trailBucketAccount: '1234' } })).toThrow(AuditTrailConfigError);
  });
});
