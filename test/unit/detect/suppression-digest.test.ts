import { describe, expect, it } from 'vitest';
import { MAX_SUBJECT_CHARS } from '../../../lib/core/detect/alert-message';
import { buildDigestMessage, DIGEST_SAMPLE_LIMIT, type SuppressionDigest } from '../../../lib/core/detect/suppression-digest';

describe('suppression digest message', () => {
  const digest = (over: Partial<SuppressionDigest> = {}): SuppressionDigest => ({
    fingerprint: 'f'.repeat(64),
    rule: 'drift.security-group',
    kind: 'drift',
    severity: 'high',
    account: '111122223333',
    principal: 'arn:aws:iam::111122223333:role/Admin',
    resource: 'sg-1',
    action: 'ec2:AuthorizeSecurityGroupIngress',
    outcome: 'success',
    windowStart: '2026-11-27T03:00:00.000Z',
    windowEnd: '2026-11-27T03:15:00.000Z',
    suppressed: 7,
    samples: Array.from({ length: 7 }, (_, i) => ({ alertId: `a${i}`, eventId: `e${i}`, eventTime: '2026-11-27T03:01:00Z' })),
    ...over,
  });

  it('says how many, of what, where and when in the subject, and which in the body', () => {
    const m = buildDigestMessage(digest());
    expect(m.subject).toBe('[immutrail] digest: 7 suppressed drift.security-group in 111122223333 2026-11-27 03:00-03:15Z');
    expect(JSON.parse(m.message)).toMatchObject({
      type: 'suppression-digest',
      suppressed: 7,
      notListed: 0,
      alerts: expect.arrayContaining([{ alertId: 'a6', eventId: 'e6', eventTime: '2026-11-27T03:01:00Z' }]),
    });
    expect(m.attributes).toMatchObject({
      kind: { StringValue: 'drift' },
      type: { StringValue: 'suppression-digest' },
      account: { StringValue: '111122223333' },
    });
  });

  it('stays under the subject limit with a Sigma rule id, spans midnight, and counts what it does not list', () => {
    const long = buildDigestMessage(
      digest({ rule: '7e4a2c3b-1b2f-4c31-9a8e-2c6f9a1d7b55', windowStart: '2026-11-27T23:50:00.000Z', windowEnd: '2026-11-28T00:05:00.000Z' }),
    );
    expect([...long.subject].length).toBeLessThanOrEqual(MAX_SUBJECT_CHARS);
    const many = digest({
      suppressed: 500,
      samples: Array.from({ length: DIGEST_SAMPLE_LIMIT }, (_, i) => ({ alertId: `a${i}`, eventId: null, eventTime: 't' })),
    });
    expect(JSON.parse(buildDigestMessage(many).message)).toMatchObject({ suppressed: 500, notListed: 500 - DIGEST_SAMPLE_LIMIT });
    expect(
      buildDigestMessage(digest({ windowStart: '2026-11-27T23:50:00.000Z', windowEnd: '2026-11-28T00:05:00.000Z', rule: 'r', account: null })).subject,
    ).toBe('[immutrail] digest: 7 suppressed r 2026-11-27 23:50Z-2026-11-28 00:05Z');
  });
});
