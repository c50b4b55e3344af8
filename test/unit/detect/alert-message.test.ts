import { describe, expect, it } from 'vitest';
import { alertFingerprint, alertSubject, buildAlertMessage, MAX_BODY_BYTES, MAX_SUBJECT_CHARS } from '../../../lib/core/detect/alert-message';
import { DEFAULT_SUPPRESS_SECONDS, parseSuppressSeconds, SuppressionWindow } from '../../../lib/core/detect/suppression';
import { ENV } from '../../../lib/contract/runtime-config';
import type { Alert } from '../../../lib/core/alert';
import { sampleAlert } from './helpers';

describe('buildAlertMessage', () => {
  it('has a JSON body with everything a program needs', () => {
    const msg = buildAlertMessage(sampleAlert(), { suppressedRepeats: 3 });
    expect(JSON.parse(msg.message)).toEqual({
      version: 1,
      id: 'tampering.trail:4f1c',
      rule: 'tampering.trail',
      severity: 'critical',
      kind: 'auditor-tampering',
      principal: 'arn:aws:iam::143434273843:user/christophe',
      resource: 'main',
      account: '143434273843',
      time: '2024-08-01T13:52:02Z',
      eventId: '4f1c',
      record: { shard: 'main', seq: 42 },
      summary: "Auditor tampering: arn:aws:iam::143434273843:user/christophe called cloudtrail:StopLogging on the stack's trail main",
      details: { action: 'cloudtrail:StopLogging', succeeded: true },
      suppressedRepeats: 3,
    });
  });

  it('has string message attributes for severity, rule, kind and account', () => {
    const msg = buildAlertMessage(sampleAlert({ severity: 'high', rule: 'drift.security-group', kind: 'drift' }));
    expect(msg.attributes).toEqual({
      severity: { DataType: 'String', StringValue: 'high' },
      rule: { DataType: 'String', StringValue: 'drift.security-group' },
      kind: { DataType: 'String', StringValue: 'drift' },
      account: { DataType: 'String', StringValue: '143434273843' },
    });
    // A filter policy on the account never meets a missing attribute: alerts about no account say "-".
    expect(buildAlertMessage(sampleAlert({ kind: 'silence', account: null })).attributes.account).toEqual({ DataType: 'String', StringValue: '-' });
  });

  it('says account null in the body of an alert about no account, and of one archived before alerts named it', () => {
    expect(JSON.parse(buildAlertMessage(sampleAlert({ account: null })).message).account).toBeNull();
    const { account: _omitted, ...older } = sampleAlert();
    expect(JSON.parse(buildAlertMessage(older as Alert).message).account).toBeNull();
  });

  it('replaces oversized details rather than failing the publish', () => {
    const big = 'x'.repeat(MAX_BODY_BYTES);
    const msg = buildAlertMessage(sampleAlert({ details: { requestParameters: big } }));
    expect(Buffer.byteLength(msg.message, 'utf8')).toBeLessThanOrEqual(MAX_BODY_BYTES);
    const body = JSON.parse(msg.message);
    expect(body.details).toEqual({ truncated: true, detailsBytes: Buffer.byteLength(JSON.stringify({ requestParameters: big })) });
    expect(body.rule).toBe('tampering.trail');
  });
});

describe('alertSubject', () => {
  it('leads with product, severity and kind', () => {
    expect(alertSubject(sampleAlert({ summary: 'short' }))).toBe('[immutrail] CRITICAL auditor-tampering in 143434273843: short');
    expect(alertSubject(sampleAlert({ summary: 'short', account: null }))).toBe('[immutrail] CRITICAL auditor-tampering: short');
  });

  it('stays under the SNS limit, on one line, without control characters', () => {
    const subject = alertSubject(sampleAlert({ summary: `line one\nline two\r\n\ttab ${'é'.repeat(200)}\u0007` }));
    expect([...subject].length).toBeLessThanOrEqual(MAX_SUBJECT_CHARS);
    expect(MAX_SUBJECT_CHARS).toBeLessThan(100);
    expect(subject).not.toMatch(/[\u0000-\u001f\u007f]/);
    expect(subject).toContain('line one line two tab');
    expect(subject.endsWith('...')).toBe(true);
  });

  it('does not cut a surrogate pair in half', () => {
    const subject = alertSubject(sampleAlert({ summary: '🔥'.repeat(120) }));
    expect(subject.isWellFormed()).toBe(true);
  });
});

describe('alertFingerprint', () => {
  it('is the same for the same rule, principal and resource, whatever the event', () => {
    const a = sampleAlert();
    expect(alertFingerprint(sampleAlert({ id: 'other', eventId: 'e2', eventTime: '2025-01-01T00:00:00Z', record: { shard: 'x', seq: 1 } }))).toBe(
      alertFingerprint(a),
    );
  });

  it('differs when any of the three differs, including null vs text', () => {
    const base = alertFingerprint(sampleAlert());
    expect(alertFingerprint(sampleAlert({ rule: 'tampering.key' }))).not.toBe(base);
    expect(alertFingerprint(sampleAlert({ principal: 'arn:aws:iam::1:user/other' }))).not.toBe(base);
    expect(alertFingerprint(sampleAlert({ resource: 'other' }))).not.toBe(base);
    expect(alertFingerprint(sampleAlert({ resource: null }))).not.toBe(alertFingerprint(sampleAlert({ resource: 'null' })));
    // No ambiguity from separators inside values.
    expect(alertFingerprint({ rule: 'a', principal: 'b,c', resource: null })).not.toBe(alertFingerprint({ rule: 'a,b', principal: 'c', resource: null }));
  });
});

describe('SuppressionWindow', () => {
  const t0 = new Date('2024-08-01T12:00:00Z');
  const at = (s: number) => new Date(t0.getTime() + s * 1000);
  const w = new SuppressionWindow(600);

  it('sends the first alert', () => {
    expect(w.decide(null, t0)).toEqual({ send: true, suppressedBefore: 0, next: { lastSentAt: t0.toISOString(), suppressed: 0 } });
  });

  it('suppresses and counts repeats inside the window, measured from the last send', () => {
    const s1 = { lastSentAt: t0.toISOString(), suppressed: 0 };
    const d1 = w.decide(s1, at(10));
    // Held back in the window that started at the last send: that is the window its digest belongs to.
    expect(d1).toEqual({ send: false, next: { lastSentAt: t0.toISOString(), suppressed: 1 }, windowStart: t0.toISOString() });
    const d2 = w.decide(d1.next, at(599));
    expect(d2).toEqual({ send: false, next: { lastSentAt: t0.toISOString(), suppressed: 2 }, windowStart: t0.toISOString() });
  });

  it('sends again once the window has passed, reporting how many were held back', () => {
    const d = w.decide({ lastSentAt: t0.toISOString(), suppressed: 2 }, at(600));
    expect(d).toEqual({ send: true, suppressedBefore: 2, next: { lastSentAt: at(600).toISOString(), suppressed: 0 } });
  });

  it('never suppresses with a zero window, and sends when the stored time is unreadable', () => {
    expect(new SuppressionWindow(0).decide({ lastSentAt: t0.toISOString(), suppressed: 0 }, t0).send).toBe(true);
    expect(w.decide({ lastSentAt: 'garbage', suppressed: 4 }, t0)).toMatchObject({ send: true, suppressedBefore: 4 });
  });

  it('rejects a negative window', () => {
    expect(() => new SuppressionWindow(-1)).toThrow(RangeError);
  });
});

describe('parseSuppressSeconds', () => {
  it('reads whole seconds, defaults, and rejects the rest', () => {
    expect(parseSuppressSeconds({})).toBe(DEFAULT_SUPPRESS_SECONDS);
    expect(parseSuppressSeconds({ [ENV.alertSuppressSeconds]: '120' })).toBe(120);
    expect(parseSuppressSeconds({ [ENV.alertSuppressSeconds]: '0' })).toBe(0);
    expect(() => parseSuppressSeconds({ [ENV.alertSuppressSeconds]: '2m' })).toThrow(/not a whole number/);
  });
});
