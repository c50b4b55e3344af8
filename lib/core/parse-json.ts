import type { JsonValue } from './json';

/**
 * JSON.parse that keeps integers beyond 2^53 exact by turning them into decimal
 * strings (RFC 8785 cannot carry them as numbers, and silently rounding an
 * account-sized id would corrupt evidence). Everything else is JSON.parse:
 * V8's parser is iterative, so deep nesting does not overflow the stack.
 * Non-finite results (1e400) and lone surrogates pass through here and are
 * rejected by canonicalization, which is where the event gets quarantined.
 */
export function parseJson(text: string): JsonValue {
  // Fast path: a safe integer has at most 16 digits, and most events have none that long.
  if (!/\d{16}/.test(text)) return JSON.parse(text) as JsonValue;
  return JSON.parse(quoteUnsafeIntegers(text)) as JsonValue;
}

const isDigit = (c: number): boolean => c >= 48 && c <= 57;

/** Rewrites integer tokens outside strings that exceed 2^53 as JSON strings. */
export function quoteUnsafeIntegers(text: string): string {
  let out = '';
  let last = 0;
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 34 /* " */) {
      i++;
      while (i < n) {
        const d = text.charCodeAt(i);
        if (d === 92 /* \ */) i += 2;
        else if (d === 34) break;
        else i++;
      }
      i++;
      continue;
    }
    if (c === 45 /* - */ || isDigit(c)) {
      const start = i;
      if (c === 45) i++;
      while (i < n && isDigit(text.charCodeAt(i))) i++;
      let integer = true;
      while (i < n) {
        const d = text.charCodeAt(i);
        if (d === 46 || d === 101 || d === 69 || d === 43 || d === 45 || isDigit(d)) {
          if (d === 46 || d === 101 || d === 69) integer = false;
          i++;
        } else break;
      }
      const token = text.slice(start, i);
      if (integer && !Number.isSafeInteger(Number(token))) {
        out += text.slice(last, start) + '"' + token + '"';
        last = i;
      }
      continue;
    }
    i++;
  }
  return last === 0 ? text : out + text.slice(last);
}
