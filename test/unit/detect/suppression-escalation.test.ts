import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { AlertPublisher } from '../../../lib/aws/alert-publisher';
import type { Alert } from '../../../lib/core/alert';
import { alertFingerprint } from '../../../lib/core/detect/alert-message';
import { runDetectors } from '../../../lib/core/detect/index';
import { memorySuppressionStore, SuppressionWindow } from '../../../lib/core/detect/suppression';
import { sigmaDetector } from '../../../lib/core/detect/sigma/detector';
import { DEFAULT_SIGMA_RULE_DIR, loadSigmaRules } from '../../../lib/core/detect/sigma/loader';
import type { JsonObject } from '../../../lib/core/json';
import { context, ct, eventRecord, sampleAlert } from './helpers';

/**
 * Issue 17: suppression must not hide an escalation. Each test replays a
 * sequence of CloudTrail calls through the detectors and the publisher, with
 * the clock advanced as in the incident, and checks what reached SNS.
 */

const TOPIC = 'arn:aws:sns:us-east-1:111122223333:immutrail-alerts';
const sns = mockClient(SNSClient);
const T0 = Date.parse('2024-08-01T13:52:02Z');

function harness(config: Parameters<typeof context>[0] = {}) {
  let now = new Date(T0);
  const store = memorySuppressionStore();
  const publisher = new AlertPublisher({
    sns: new SNSClient({ region: 'us-east-1' }),
    topicArn: TOPIC,
    suppression: { window: new SuppressionWindow(900), store },
    now: () => now,
  });
  const ctx = context(config);
  return {
    store,
    /** Runs the detectors on the call made `secondsAfter` T0 and publishes its alerts then. */
    async replay(raw: JsonObject, secondsAfter: number) {
      now = new Date(T0 + secondsAfter * 1000);
      const alerts = await runDetectors(eventRecord({ ...raw, eventTime: now.toISOString().replace('.000', '') }), ctx);
      expect(alerts.length).toBeGreaterThan(0);
      return publisher.publishAll(alerts);
    },
    async publishAt(alert: Alert, secondsAfter: number) {
      now = new Date(T0 + secondsAfter * 1000);
      return publisher.publish(alert);
    },
    published: () => sns.commandCalls(PublishCommand).map((c) => JSON.parse(c.args[0].input.Message!) as { id: string; rule: string; details: JsonObject }),
  };
}

const trailCall = (eventName: string, requestParameters: JsonObject, extra: JsonObject = {}) =>
  ct({ eventSource: 'cloudtrail.amazonaws.com', eventName, eventID: `evt-${eventName}-${Object.keys(extra).join('')}`, requestParameters, ...extra });
const sgCall = (eventName: string, extra: JsonObject = {}) =>
  ct({
    eventSource: 'ec2.amazonaws.com',
    eventName,
    eventID: `evt-${eventName}-${Object.keys(extra).join('')}`,
    requestParameters: { groupId: 'sg-0123456789abcdef0' },
    ...extra,
  });

describe('suppression cannot hide an escalation', () => {
  beforeEach(() => {
    sns.reset();
    sns.on(PublishCommand).resolves({ MessageId: 'm' });
  });

  it('publishes a DeleteTrail 15 s after a PutEventSelectors alert on the same trail', async () => {
    const h = harness();
    const put = await h.replay(trailCall('PutEventSelectors', { trailName: 'org-trail', eventSelectors: [] }), 0);
    const del = await h.replay(trailCall('DeleteTrail', { name: 'org-trail' }), 15);
    expect(put.map((o) => o.status)).toEqual(['sent']);
    expect(del.map((o) => o.status)).toEqual(['sent']);
    expect(h.published().map((b) => b.details.action)).toEqual(['cloudtrail:PutEventSelectors', 'cloudtrail:DeleteTrail']);
  });

  it('publishes a DeleteSecurityGroup after an AuthorizeSecurityGroupIngress on the same group', async () => {
    const h = harness({ config: { immutableScope: { mode: 'all' }, deployers: { principals: [], services: [], serviceLinkedRoles: true } } });
    const ingress = await h.replay(sgCall('AuthorizeSecurityGroupIngress'), 0);
    const del = await h.replay(sgCall('DeleteSecurityGroup'), 40);
    expect(ingress.map((o) => o.status)).toEqual(['sent']);
    expect(del.map((o) => o.status)).toEqual(['sent']);
    expect(h.published().map((b) => [b.rule, b.details.action])).toEqual([
      ['drift.security-group', 'ec2:AuthorizeSecurityGroupIngress'],
      ['drift.security-group', 'ec2:DeleteSecurityGroup'],
    ]);
  });

  it('publishes a successful call after a failed one (tampering: same rule, same severity)', async () => {
    const h = harness();
    const failed = await h.replay(trailCall('StopLogging', { name: 'org-trail' }, { errorCode: 'AccessDenied', errorMessage: 'denied' }), 0);
    const ok = await h.replay(trailCall('StopLogging', { name: 'org-trail' }), 30);
    expect(failed.map((o) => o.status)).toEqual(['sent']);
    expect(ok.map((o) => o.status)).toEqual(['sent']);
    expect(h.published().map((b) => b.details.succeeded)).toEqual([false, true]);
  });

  it('publishes a success that follows a failure even when the same success was sent earlier in the window', async () => {
    const h = harness();
    const stop = (extra: JsonObject = {}) => trailCall('StopLogging', { name: 'org-trail' }, extra);
    await h.replay(stop(), 0);
    await h.replay(stop({ errorCode: 'AccessDenied' }), 10);
    const again = await h.replay({ ...stop(), eventID: 'evt-third' }, 20);
    expect(again.map((o) => o.status)).toEqual(['sent']);
    expect(h.published()).toHaveLength(3);
  });

  it('keeps repeats of the same action and outcome suppressed, and counts them', async () => {
    const h = harness();
    const stop = (id: string, extra: JsonObject = {}) => ({ ...trailCall('StopLogging', { name: 'org-trail' }, extra), eventID: id });
    expect((await h.replay(stop('a'), 0)).map((o) => o.status)).toEqual(['sent']);
    expect((await h.replay(stop('b'), 15)).map((o) => o.status)).toEqual(['suppressed']);
    expect((await h.replay(stop('c'), 30)).map((o) => o.status)).toEqual(['suppressed']);
    expect((await h.replay(stop('f1', { errorCode: 'AccessDenied' }), 40)).map((o) => o.status)).toEqual(['sent']);
    expect((await h.replay(stop('f2', { errorCode: 'AccessDenied' }), 50)).map((o) => o.status)).toEqual(['suppressed']);
    const later = await h.replay(stop('d'), 901);
    expect(later).toEqual([expect.objectContaining({ status: 'sent', suppressedRepeats: 2 })]);
  });

  it('publishes a higher severity under the same fingerprint, and suppresses a lower one', async () => {
    const h = harness();
    const base = sampleAlert({ severity: 'medium' });
    expect((await h.publishAt(base, 0)).status).toBe('sent');
    expect((await h.publishAt({ ...base, id: 'x2', severity: 'high' }, 10)).status).toBe('sent');
    expect((await h.publishAt({ ...base, id: 'x3', severity: 'medium' }, 20)).status).toBe('suppressed');
    expect((await h.publishAt({ ...base, id: 'x4', severity: 'high' }, 30)).status).toBe('suppressed');
    expect((await h.publishAt({ ...base, id: 'x5', severity: 'critical' }, 40)).status).toBe('sent');
  });
});

describe('alertFingerprint: account', () => {
  it('tells the same change in two accounts apart, and counts a missing account as null', () => {
    const inOne = alertFingerprint(sampleAlert({ account: '111122223333' }));
    expect(alertFingerprint(sampleAlert({ account: '444455556666' }))).not.toBe(inOne);
    expect(alertFingerprint(sampleAlert({ account: '111122223333' }))).toBe(inOne);
    const { account: _omitted, ...older } = sampleAlert();
    expect(alertFingerprint(older)).toBe(alertFingerprint(sampleAlert({ account: null })));
  });
});

describe('alertFingerprint: action and outcome', () => {
  it('differs by action, by success vs failure, and by error code', () => {
    const base = alertFingerprint(sampleAlert());
    expect(alertFingerprint(sampleAlert({ details: { action: 'cloudtrail:DeleteTrail', succeeded: true } }))).not.toBe(base);
    const denied = alertFingerprint(sampleAlert({ details: { action: 'cloudtrail:StopLogging', succeeded: false, errorCode: 'AccessDenied' } }));
    expect(denied).not.toBe(base);
    expect(alertFingerprint(sampleAlert({ details: { action: 'cloudtrail:StopLogging', succeeded: false, errorCode: 'TrailNotFoundException' } }))).not.toBe(
      denied,
    );
  });

  it('tells a failed Sigma match from a successful one', async () => {
    const ctx = context({ sigmaRules: loadSigmaRules([{ dir: DEFAULT_SIGMA_RULE_DIR, origin: 'project' }]).rules });
    const call = (extra: JsonObject) =>
      ct({ eventSource: 'ec2.amazonaws.com', eventName: 'AuthorizeSecurityGroupIngress', requestParameters: { groupId: 'sg-1' }, ...extra });
    const [failed] = await sigmaDetector.detect(eventRecord(call({ eventID: 'f', errorCode: 'UnauthorizedOperation' })), ctx);
    const [ok] = await sigmaDetector.detect(eventRecord(call({ eventID: 's' })), ctx);
    expect(failed!.rule).toBe(ok!.rule);
    expect(failed!.details).toMatchObject({ succeeded: false, errorCode: 'UnauthorizedOperation' });
    expect(alertFingerprint(failed!)).not.toBe(alertFingerprint(ok!));
  });

  it('uses the state for events that are not API calls', () => {
    const drifted = sampleAlert({ rule: 'drift.cloudformation', details: { stackDriftStatus: 'DRIFTED' } });
    const inSync = sampleAlert({ rule: 'drift.cloudformation', details: { stackDriftStatus: 'IN_SYNC' } });
    expect(alertFingerprint(drifted)).not.toBe(alertFingerprint(inSync));
  });

  it('ignores what varies between repeats (ids, times, record, other details)', () => {
    const a = sampleAlert();
    const b = sampleAlert({
      id: 'o',
      eventId: 'o',
      eventTime: '2025-01-01T00:00:00Z',
      record: { shard: 'x', seq: 9 },
      details: { ...a.details, sourceIp: '1.2.3.4' },
    });
    expect(alertFingerprint(b)).toBe(alertFingerprint(a));
  });
});
