import { describe, expect, it } from 'vitest';
import type { Alert } from '../../../lib/core/alert';
import { emptyProtectedResources } from '../../../lib/core/detect/config';
import { DETECTORS, runDetectors } from '../../../lib/core/detect/index';
import { DEFAULT_SIGMA_RULE_DIR, loadSigmaRules } from '../../../lib/core/detect/sigma/loader';
import type { Detector } from '../../../lib/core/detect/types';
import { context, eventRecord, fixture } from './helpers';

const { rules } = loadSigmaRules([{ dir: DEFAULT_SIGMA_RULE_DIR, origin: 'project' }]);
const sigmaId = (file: string) => rules.find((r) => r.file === file)!.id;

const ctx = () =>
  context({
    sigmaRules: rules,
    config: {
      protectedResources: { ...emptyProtectedResources(), trails: ['stratus-red-team-ct-stop-trail-buykxbqejv'], buckets: ['example-bucket'] },
    },
  });

describe('runDetectors', () => {
  it('runs tampering, drift, unsigned-launch, foreign-account and Sigma in that order', () => {
    expect(DETECTORS.map((d) => d.name)).toEqual(['auditor-tampering', 'drift', 'unsigned-launch', 'foreign-account', 'sigma']);
  });

  it('StopLogging on the stack trail: a critical tampering alert first, then the Sigma rule', async () => {
    const alerts = await runDetectors(eventRecord(fixture('cloudtrail/stratus-red-team-118-StopLogging.json')), ctx());
    expect(alerts.map((a) => [a.kind, a.rule, a.severity])).toEqual([
      ['auditor-tampering', 'tampering.trail', 'critical'],
      ['sigma', sigmaId('aws_cloudtrail_disable_logging.yml'), 'medium'],
    ]);
  });

  it('a security group opened by hand: drift, then the Sigma rule', async () => {
    const alerts = await runDetectors(eventRecord(fixture('cloudtrail/stratus-red-team-266-AuthorizeSecurityGroupIngress.json')), ctx());
    expect(alerts.map((a) => a.rule)).toEqual(['drift.security-group', sigmaId('aws_cloudtrail_security_group_change_ingress_egress.yml')]);
  });

  it('a policy change on the archive bucket is tampering, not also drift', async () => {
    const alerts = await runDetectors(eventRecord(fixture('cloudtrail/panther-analysis-302-PutBucketPolicy.json')), ctx());
    expect(alerts.map((a) => a.kind)).toEqual(['auditor-tampering', 'sigma']);
  });

  it('an unpinned ECS task: unsigned launch only', async () => {
    const alerts = await runDetectors(eventRecord(fixture('eventbridge/awsdocs-amazon-ecs-developer-guide-2-ecs-task-state-change.json')), ctx());
    expect(alerts.map((a) => a.rule)).toEqual(['unsigned-launch.image-tag']);
  });

  it('is deterministic and never repeats an alert id', async () => {
    const record = eventRecord(fixture('cloudtrail/panther-analysis-413-GetCallerIdentity.json'));
    const a = await runDetectors(record, ctx());
    const b = await runDetectors(record, ctx());
    expect(b).toEqual(a);
    expect(new Set(a.map((x) => x.id)).size).toBe(a.length);

    const same = (name: string, id: string): Detector => ({
      name,
      async detect() {
        return [{ id, rule: name } as Alert];
      },
    });
    const deduped = await runDetectors(record, ctx(), [same('first', 'x'), same('second', 'x'), same('third', 'y')]);
    expect(deduped.map((x) => x.rule)).toEqual(['first', 'third']);
  });

  it('fails when a lookup fails, so the caller can retry instead of losing alerts', async () => {
    const c = ctx();
    c.attestations = {
      async find() {
        throw new Error('DynamoDB throttled');
      },
    };
    await expect(runDetectors(eventRecord(fixture('cloudtrail/cloud-custodian-10-RunInstances.json')), c)).rejects.toThrow('DynamoDB throttled');
  });
});
