/**
 * Sigma's wildcards in plain values: `*` any run of characters, `?` exactly
 * one; `\*`, `\?` and `\\` are the literal characters; a backslash before
 * anything else is itself literal (so Windows paths need no escaping).
 */
export type Piece = { lit: string } | { any: true } | { one: true };

export function parseWildcards(value: string): Piece[] {
  const out: Piece[] = [];
  let lit = '';
  const flush = (): void => {
    if (lit !== '') out.push({ lit });
    lit = '';
  };
  for (let i = 0; i < value.length; i++) {
    const ch = value[i]!;
    if (ch === '\\') {
      const next = value[i + 1];
      if (next === '*' || next === '?' || next === '\\') {
        lit += next;
        i++;
      } else {
        lit += ch;
      }
    } else if (ch === '*') {
      flush();
      out.push({ any: true });
    } else if (ch === '?') {
      flush();
      out.push({ one: true });
    } else {
      lit += ch;
    }
  }
  flush();
  return out;
}

export function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/** A whole-string matcher for a list of pieces. */
export function piecesToRegExp(pieces: readonly Piece[], caseSensitive: boolean): RegExp {
  const src = pieces.map((p) => ('lit' in p ? escapeRegExp(p.lit) : 'any' in p ? '[\\s\\S]*' : '[\\s\\S]')).join('');
  return new RegExp(`^${src}$`, caseSensitive ? '' : 'i');
}
