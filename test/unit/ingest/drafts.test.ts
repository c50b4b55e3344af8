import { describe, expect, it } from 'vitest';
import { draftFromMessage } from '../../../lib/commit/drafts';
import { apiCallEnvelope } from '../../support/events';

const VIA = { channel: 'eventbridge' as const, logFile: null };

/** An API call envelope with `value` as requestParameters.x, written as raw JSON text. */
function withParameter(valueText: string, space = ''): string {
  const e = apiCallEnvelope({ eventId: 'evt-x' });
  const text = JSON.stringify({ ...e, detail: { ...e.detail, requestParameters: { x: '__X__' } } });
  return text.replace('"__X__"', space + valueText);
}

const parameter = (valueText: string, space = '') => {
  const r = draftFromMessage(withParameter(valueText, space), VIA);
  if (!r.ok) return { quarantined: r.reason };
  const raw = r.draft.data.raw as { detail: { requestParameters: { x: unknown } } };
  return { value: raw.detail.requestParameters.x };
};

describe('draftFromMessage: which text is trusted to the fast path', () => {
  it('takes hex ids and long digit runs inside strings as they are', () => {
    expect(parameter('"00004e1f-0000-4001-8065-065f3e634e1f"')).toEqual({ value: '00004e1f-0000-4001-8065-065f3e634e1f' });
    expect(parameter('"1525415421513245"')).toEqual({ value: '1525415421513245' });
    expect(parameter('"x:1e400"')).toEqual({ value: 'x:1e400' });
  });

  it('keeps integers beyond 2^53 exact, as decimal strings, wherever the number token starts', () => {
    expect(parameter('12345678901234567890')).toEqual({ value: '12345678901234567890' });
    expect(parameter('[1, 12345678901234567890]')).toEqual({ value: [1, '12345678901234567890'] });
    expect(parameter('-98765432109876543210', '\n  ')).toEqual({ value: '-98765432109876543210' });
    expect(parameter('9007199254740991')).toEqual({ value: 9007199254740991 });
  });

  it('quarantines numbers no double can hold, instead of failing the batch later', () => {
    expect(parameter('1e400').quarantined).toMatch(/not canonicalizable.*not finite/);
    expect(parameter('-2.5E+308', ' ').quarantined).toMatch(/not finite/);
    expect(parameter(`${'9'.repeat(400)}.5`).quarantined).toMatch(/not finite/);
    expect(parameter('1e40')).toEqual({ value: 1e40 });
  });

  it('quarantines lone surrogates, escaped or already in the text', () => {
    expect(parameter('"\\ud800 lone"').quarantined).toMatch(/lone surrogate/);
    expect(parameter('"\ud800 lone"').quarantined).toMatch(/lone surrogate/);
    expect(parameter('"\\ud83d\\ude00"')).toEqual({ value: '\ud83d\ude00' });
  });
});
