import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalize, CanonicalizationError } from '../../lib/core/canonical';
import type { JsonValue } from '../../lib/core/json';
import { parseJson, quoteUnsafeIntegers } from '../../lib/core/parse-json';

describe('RFC 8785 canonical JSON', () => {
  it('sorts keys by UTF-16 code units, as RFC 8785 section 3.2.3 shows', () => {
    // The RFC's own sorting example: keys in the order the RFC lists as the result.
    const input = {
      '\u20ac': 'Euro Sign',
      '\r': 'Carriage Return',
      '\ufb33': 'Hebrew Letter Dalet With Dagesh',
      '1': 'One',
      '\ud83d\ude00': 'Emoji: Grinning Face',
      '\u0080': 'Control',
      '\u00f6': 'Latin Small Letter O With Diaeresis',
    };
    // (Read the order off the text: JavaScript objects list integer-like keys such as "1" first.)
    const text = canonicalize(input);
    const order = ['\\r', '1', '\u0080', '\u00f6', '\u20ac', '\ud83d\ude00', '\ufb33'].map((k) => text.indexOf(`"${k}":`));
    expect(order.every((pos) => pos > 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
  });

  it('serializes numbers as ECMAScript does (RFC 8785 appendix examples)', () => {
    const cases: [number, string][] = [
      // eslint-disable-next-line no-loss-of-precision -- the RFC's own literal: the test is that it rounds as ECMAScript rounds it
      [333333333.33333329, '333333333.3333333'],
      [1e30, '1e+30'],
      [4.5, '4.5'],
      [0.002, '0.002'],
      [1e-27, '1e-27'],
      [-0, '0'],
      [9007199254740991, '9007199254740991'],
      [1e21, '1e+21'],
      [1e20, '100000000000000000000'],
      [5e-324, '5e-324'],
    ];
    for (const [n, s] of cases) expect(canonicalize(n)).toBe(s);
  });

  it('escapes strings exactly like the RFC: short forms, lowercase \\u00xx, nothing else', () => {
    expect(canonicalize('\u0000\b\t\n\f\r"\\/\u001f\u007f\u2028é')).toBe('"\\u0000\\b\\t\\n\\f\\r\\"\\\\/\\u001f\u007f\u2028é"');
  });

  it('matches the RFC 8785 section 3.2.2 example', () => {
    const input = {
      // eslint-disable-next-line no-loss-of-precision -- the RFC 8785 example verbatim, including its over-precise literal
      numbers: [333333333.33333329, 1e30, 4.5, 2e-3, 0.000000000000000000000000001],
      string: '\u20ac$\u000f\nA\'B"\\\\"/',
      literals: [null, true, false],
    };
    expect(canonicalize(input as JsonValue)).toBe(
      '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}',
    );
  });

  it('rejects lone surrogates, with where they are', () => {
    for (const bad of ['\ud800', 'a\udc00b', '\ud83d']) {
      expect(() => canonicalize({ x: [bad] })).toThrowError(CanonicalizationError);
      try {
        canonicalize({ x: [bad] });
      } catch (e) {
        expect((e as CanonicalizationError).code).toBe('LONE_SURROGATE');
        expect((e as CanonicalizationError).path).toBe('$.x[0]');
      }
    }
    expect(() => canonicalize({ ['\udfff']: 1 })).toThrowError(/lone surrogate/);
    expect(canonicalize('\ud83d\ude00')).toBe('"😀"');
  });

  it('quotes a member name the same way the first time and every time after (names are cached)', () => {
    const value = { 'a"b': 1, 'c\n': { 'a"b': 2 }, plain: 3 };
    const expected = '{"a\\"b":1,"c\\n":{"a\\"b":2},"plain":3}';
    expect(canonicalize(value)).toBe(expected);
    expect(canonicalize(value)).toBe(expected);
    // A name that cannot be represented is never cached: it is rejected every time.
    expect(() => canonicalize({ ['x\ud800']: 1 })).toThrowError(/lone surrogate/);
    expect(() => canonicalize({ ['x\ud800']: 1 })).toThrowError(/lone surrogate/);
  });

  it('rejects non-finite numbers and values that are not JSON', () => {
    expect(() => canonicalize(Number.NaN)).toThrowError(/not finite/);
    expect(() => canonicalize([Number.POSITIVE_INFINITY])).toThrowError(/not finite/);
    expect(() => canonicalize({ d: new Date() as unknown as JsonValue })).toThrowError(/not JSON/);
    expect(() => canonicalize({ u: undefined as unknown as JsonValue })).toThrowError(/not JSON/);
  });

  it('handles nesting a hundred thousand levels deep without overflowing the stack', () => {
    const depth = 100_000;
    const text = '['.repeat(depth) + '{"a":1}' + ']'.repeat(depth);
    const value = parseJson(text);
    expect(canonicalize(value)).toBe(text);
    const objects = '{"k":'.repeat(depth) + 'null' + '}'.repeat(depth);
    expect(canonicalize(parseJson(objects))).toBe(objects);
  });

  it('puts index-like member names in UTF-16 order too, and keeps an own "__proto__" member', () => {
    expect(canonicalize({ b: 1, '10': 2, '9': 3, a: 4, '\r': 5 })).toBe('{"\\r":5,"10":2,"9":3,"a":4,"b":1}');
    const withProto = JSON.parse('{"z":1,"__proto__":{"x":2}}') as JsonValue;
    expect(canonicalize(withProto)).toBe('{"__proto__":{"x":2},"z":1}');
  });

  it('is the identity on its own output, and agrees with JSON.parse (property)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        const once = canonicalize(v as JsonValue);
        expect(canonicalize(JSON.parse(once))).toBe(once);
        expect(JSON.parse(once)).toEqual(JSON.parse(JSON.stringify(v)));
      }),
      { numRuns: 300 },
    );
  });

  it('gives the same bytes on the native fast path and the exact walk (property)', () => {
    // A lone surrogate forces the walk; compare the walk with the fast path on the same data otherwise.
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), fc.dictionary(fc.string(), fc.integer()), (v, extra) => {
        const value = { v, extra } as JsonValue;
        const sortedManually = (x: unknown): unknown =>
          Array.isArray(x)
            ? x.map(sortedManually)
            : x !== null && typeof x === 'object'
              ? Object.keys(x)
                  .sort()
                  .map((k) => [k, sortedManually((x as Record<string, unknown>)[k])])
              : x;
        const out = canonicalize(value);
        expect(sortedManually(JSON.parse(out))).toEqual(sortedManually(JSON.parse(JSON.stringify(value))));
      }),
      { numRuns: 300 },
    );
  });
});

describe('parseJson keeps integers beyond 2^53 exact', () => {
  it('turns unsafe integer literals into decimal strings and leaves everything else', () => {
    const v = parseJson('{"big":12345678901234567890,"neg":-98765432109876543210,"safe":9007199254740991,"f":1.5e300,"s":"12345678901234567890"}');
    expect(v).toEqual({ big: '12345678901234567890', neg: '-98765432109876543210', safe: 9007199254740991, f: 1.5e300, s: '12345678901234567890' });
  });

  it('does not touch digits inside strings, even with escaped quotes', () => {
    const text = '["a\\"12345678901234567890\\"", 12345678901234567890]';
    expect(parseJson(text)).toEqual(['a"12345678901234567890"', '12345678901234567890']);
    expect(quoteUnsafeIntegers('{"x":1}')).toBe('{"x":1}');
  });

  it('lets overflowing exponents through to canonicalization, which rejects them', () => {
    expect(() => canonicalize(parseJson('[1e400]'))).toThrowError(/not finite/);
  });
});
