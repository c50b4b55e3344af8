import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditTrailConfigError } from '../../lib/construct/errors';
import { cleanupSynths, logicalId, resourcesOfType, synthImmutrail, type Synthesized } from './synth-helper';

let audit: Synthesized;
let local: Synthesized;

beforeAll(() => {
  audit = synthImmutrail({ context: { trailBucketName: 'org-trail-logs', trailPrefix: 'org/', trailBucketAccount: '111100002222' } });
  local = synthImmutrail({ context: { trailBucketName: 'my-trail-logs' } });
}, 120_000);

afterAll(cleanupSynths);

// Issue 14: the stack in the audit account reads the organization trail's bucket in the log-archive account.
describe('a trail bucket in another account (log archive)', () => {
  it("accepts that account's events on this account's default bus, and only PutEvents", () => {
    const policies = resourcesOfType(audit.json, 'AWS::Events::EventBusPolicy').map(([, r]) => r.Properties!);
    expect(policies).toHaveLength(1);
    expect(policies[0]).toMatchObject({ EventBusName: 'default', StatementId: 'immutrail-trail-events-111100002222' });
    expect(policies[0].Statement).toMatchObject({ Effect: 'Allow', Action: 'events:PutEvents' });
    expect(JSON.stringify(policies[0].Statement.Principal)).toContain(':iam::111100002222:root');
    expect(resourcesOfType(local.json, 'AWS::Events::EventBusPolicy')).toEqual([]);
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

  it('refuses an account that is not 12 digits', () => {
    expect(() => synthImmutrail({ context: { trailBucketName: 'org-trail-logs', trailBucketAccount: '1234' } })).toThrow(AuditTrailConfigError);
  });
});
