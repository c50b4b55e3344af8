import { readFileSync } from 'node:fs';
import { join } from 'node:path';
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
      for (const metric of ['Errors', 'Throttles']) {
        const found = alarms(full).filter(
          (a) =>
            a.Namespace === 'AWS/Lambda' &&
            a.MetricName === metric &&
            JSON.stringify(a.Dimensions) === JSON.stringify([{ Name: 'FunctionName', Value: fnRef(full, fn) }]),
        );
        expect(found, `${metric} of ${fn.node.id}`).toHaveLength(1);
        expect(found[0].AlarmActions).toEqual([topic(full)]);
      }
    }
  });
});

/** The dashboard body with its tokens (Refs, GetAtts) written out as JSON, so names and references can be looked for. */
function dashboardBody(s: Synthesized): { text: string; widgets: { properties: { title?: string; metrics?: unknown[][] } }[] } {
  const dashboards = resourcesOfType(s.json, 'AWS::CloudWatch::Dashboard');
  expect(dashboards).toHaveLength(1);
  const body = dashboards[0][1].Properties!.DashboardBody as { 'Fn::Join': [string, unknown[]] } | string;
  const text = typeof body === 'string' ? body : body['Fn::Join'][1].map((p) => (typeof p === 'string' ? p : JSON.stringify(p).replace(/"/g, "'"))).join('');
  return { text, widgets: JSON.parse(text).widgets };
}

describe('one dashboard for the pipeline', () => {
  it('shows ingest age and depth, invocations, errors, commits, alerts published and the seal, from the metrics the handlers emit', () => {
    const { widgets } = dashboardBody(full);
    const titles = widgets.map((w) => w.properties.title);
    expect(titles).toEqual(
      expect.arrayContaining([
        'Pipeline alarms',
        'Ingest age (seconds)',
        'Ingest depth (messages)',
        'Invocations',
        'Errors',
        'Throttles',
        'Ingest failures',
        'Commits',
        'Alerts',
        'Seal',
      ]),
    );
    const metricsOf = (title: string) => JSON.stringify(widgets.find((w) => w.properties.title === title)!.properties.metrics);
    expect(metricsOf('Ingest age (seconds)')).toContain('ApproximateAgeOfOldestMessage');
    expect(metricsOf('Ingest age (seconds)')).toContain('DeliveryToS3.DataFreshness');
    expect(metricsOf('Ingest depth (messages)')).toContain('ApproximateNumberOfMessagesVisible');
    for (const m of ['FailedShards', 'DetectorFailures', 'CommitConflicts', 'LogFilesFailed']) expect(metricsOf('Ingest failures')).toContain(m);
    for (const m of ['RecordsCommitted', 'EventsIn', 'Duplicates']) expect(metricsOf('Commits')).toContain(m);
    for (const m of ['NumberOfMessagesPublished', 'AlertsRepublished', 'SuppressionDigestsSent', 'AlertsCommitted']) expect(metricsOf('Alerts')).toContain(m);
    expect(metricsOf('Seal')).toContain('CheckpointSize');
    // Every function appears in the invocation and error graphs.
    for (const fn of [
      full.stack.trail.ingestFunction,
      full.stack.trail.sealFunction,
      full.stack.trail.reconcileFunction!,
      full.stack.trail.watchdogFunction!,
    ]) {
      const ref = `{'Ref':'${logicalId(full.stack, fn)}'}`;
      for (const title of ['Invocations', 'Errors', 'Throttles']) expect(metricsOf(title), `${title}: ${fn.node.id}`).toContain(ref);
    }
  });

  it('uses only metric names the handlers emit', () => {
    const { widgets } = dashboardBody(full);
    const emitted = new Set(
      ['ingest', 'seal', 'watchdog', 'reconcile'].flatMap((h) =>
        [...readFileSync(join(__dirname, '../../lambdas', `${h}.ts`), 'utf8').matchAll(/addMetric\('([A-Za-z.]+)'/g)].map((m) => m[1]),
      ),
    );
    const ours = widgets.flatMap((w) => (w.properties.metrics ?? []).filter((m) => m[0] === METRICS_NAMESPACE).map((m) => m[1] as string));
    expect(ours.length).toBeGreaterThan(10);
    for (const name of ours) expect(emitted, name).toContain(name);
  });
});
