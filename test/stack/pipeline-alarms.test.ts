import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMMIT_CONFLICTS_PER_WINDOW, METRICS_NAMESPACE } from '../../lib/construct/pipeline-alarms';
import { cleanupSynths, logicalId, resourcesOfType, synthImmutrail, type Synthesized } from './synth-helper';

let full: Synthesized;

beforeAll(() => {
  full = synthImmutrail({ context: { trailBucketName: 'org-cloudtrail-logs', trailName: 'org-trail' } });
}, 120_000);

afterAll(cleanupSynths);

const alarms = (s: Synthesized) => resourcesOfType(s.json, 'AWS::CloudWatch::Alarm').map(([, r]) => r.Properties!);
const topic = (s: Synthesized) => ({ Ref: logicalId(s.stack, s.stack.trail.alertTopic) });
const fnRef = (s: Synthesized, fn: { node: { defaultChild?: unknown } }) => ({ Ref: logicalId(s.stack, fn) });

// Issue 17: failures that used to leave only a log line and a metric nobody watched.
describe('alarms on the pipeline failing quietly', () => {
  it.each([
    ['FailedShards', 'ingest', 0],
    ['DetectorFailures', 'ingest', 0],
    ['CommitConflicts', 'ingest', COMMIT_CONFLICTS_PER_WINDOW],
    ['LogFilesFailed', 'reconcile', 0],
  ])('%s of %s above %d in 5 minutes notifies the alert topic', (metric, service, threshold) => {
    const found = alarms(full).filter((a) => a.Namespace === METRICS_NAMESPACE && a.MetricName === metric);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({
      Dimensions: [{ Name: 'service', Value: service }],
      Statistic: 'Sum',
      Period: 300,
      Threshold: threshold,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'notBreaching',
      AlarmActions: [topic(full)],
    });
  });

  it("every function's errors and throttles notify the alert topic", () => {
    const fns = [full.stack.trail.ingestFunction, full.stack.trail.sealFunction, full.stack.trail.reconcileFunction!, full.stack.trail.watchdogFunction!];
    for (const fn of fns) {
      for (const metric of fn === full.stack.trail.sealFunction ? ['Errors'] : ['Errors', 'Throttles']) {
        const found = alarms(full).filter(
          (a) => a.Namespace === 'AWS/Lambda' && a.MetricName === metric && JSON.stringify(a.Dimensions) === JSON.stringify([{ Name: 'FunctionName', Value: fnRef(full, fn) }]),
        );
        expect(found, `${metric} of ${fn.node.id}`).toHaveLength(1);
        expect(found[0].AlarmActions).toEqual([topic(full)]);
      }
    }
  });
});
