import { describe, expect, it } from 'vitest';
import { BackfillAlertTally, backfillDigestSubject, buildBackfillDigestMessage } from '../../../lib/core/detect/backfill-digest';
import { DIGEST_SAMPLE_LIMIT } from '../../../lib/core/detect/suppression-digest';
import { sampleAlert } from './helpers';

describe('backfill digests (issue 17: one message per rule for a whole import)', () => {
  it('counts every alert of a rule, lists the first 50, and keeps the highest severity, accounts and days', () => {
    const tally = new BackfillAlertTally();
    for (let i = 0; i < 120; i++) {
      tally.add(
        sampleAlert({
          id: `tampering.trail:${i}`,
          eventId: `e${i}`,
          severity: i === 90 ? 'critical' : 'high',
          account: i % 2 ? '111122223333' : '143434273843',
          eventTime: `2024-08-${String(1 + (i % 20)).padStart(2, '0')}T10:00:00Z`,
        }),
      );
    }
    tally.add(sampleAlert({ id: 'drift:1', rule: 'drift.security-group', kind: 'drift', severity: 'medium', account: null }));
    const [drift, trail] = tally.digests();
    expect(drift).toMatchObject({ rule: 'drift.security-group', count: 1, accounts: [], severity: 'medium' });
    expect(trail).toMatchObject({ rule: 'tampering.trail', count: 120, severity: 'critical', accounts: ['111122223333', '143434273843'] });
    expect(trail.firstEventTime).toBe('2024-08-01T10:00:00Z');
    expect(trail.lastEventTime).toBe('2024-08-20T10:00:00Z');

    const msg = buildBackfillDigestMessage(trail);
    const body = JSON.parse(msg.message);
    expect(body.alerts).toHaveLength(DIGEST_SAMPLE_LIMIT);
    expect(body.alerts[0]).toEqual({ alertId: 'tampering.trail:0', eventId: 'e0', eventTime: '2024-08-01T10:00:00Z' });
    expect(body.notListed).toBe(120 - DIGEST_SAMPLE_LIMIT);
    expect(msg.subject).toBe('[immutrail] backfill: 120 tampering.trail alerts in 2 accounts 2024-08-01..2024-08-20');
    expect(msg.attributes).toMatchObject({ type: { StringValue: 'backfill-digest' }, account: { StringValue: '-' }, severity: { StringValue: 'critical' } });
    expect(backfillDigestSubject(drift)).toBe('[immutrail] backfill: 1 drift.security-group alerts 2024-08-01..2024-08-01');
  });

  it('cuts only the rule when the subject would pass SNS limit', () => {
    const tally = new BackfillAlertTally();
    const rule = 'sigma:5f0b7d2c-8a3e-4b1f-9c6d-2e7a1b3c4d5e-with-a-long-title';
    tally.add(sampleAlert({ rule, kind: 'sigma', account: '143434273843' }));
    const subject = backfillDigestSubject({ ...tally.digests()[0], count: 123456 });
    expect(subject.length).toBe(99);
    expect(subject).toMatch(/^\[immutrail\] backfill: 123456 sigma:5f0b.+\.\.\. alerts in 143434273843 2024-08-01\.\.2024-08-01$/);
  });
});
