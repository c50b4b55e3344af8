import { SigmaCompileError, unsupported } from './errors';
import { parseWildcards, piecesToRegExp } from './wildcard';

/**
 * Sigma conditions: a tokenizer and a recursive-descent parser with the
 * spec's precedence, loosest first: `or`, `and`, `not`, then parentheses,
 * `N of <pattern>`, `all of <pattern>`, `1 of them`, `all of them` and bare
 * search identifiers. Patterns use `*` (and `?`) over identifier names;
 * `them` means every identifier not starting with an underscore.
 */

export type ConditionNode =
  | { type: 'id'; name: string }
  | { type: 'not'; operand: ConditionNode }
  | { type: 'and'; operands: ConditionNode[] }
  | { type: 'or'; operands: ConditionNode[] }
  /** `count` is the minimum number of identifiers that must match; 'all' for `all of`. */
  | { type: 'of'; count: number | 'all'; names: string[] };

type Token =
  | { kind: 'lparen'; pos: number }
  | { kind: 'rparen'; pos: number }
  | { kind: 'word'; text: string; pos: number };

const WORD = /[A-Za-z0-9_*?.-]/;

export function tokenize(condition: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < condition.length) {
    const ch = condition[i]!;
    if (/\s/.test(ch)) {
      i++;
    } else if (ch === '(') {
      tokens.push({ kind: 'lparen', pos: i++ });
    } else if (ch === ')') {
      tokens.push({ kind: 'rparen', pos: i++ });
    } else if (WORD.test(ch)) {
      const start = i;
      while (i < condition.length && WORD.test(condition[i]!)) i++;
      tokens.push({ kind: 'word', text: condition.slice(start, i), pos: start });
    } else {
      throw new SigmaCompileError('SIGMA_CONDITION_INVALID', `unexpected character "${ch}" at position ${i} in condition "${condition}"`);
    }
  }
  return tokens;
}

const KEYWORDS = new Set(['and', 'or', 'not', 'of', 'them', 'all']);

function isKeyword(t: Token | undefined, kw: string): boolean {
  return t?.kind === 'word' && t.text.toLowerCase() === kw;
}

/** Parses a condition against the rule's search identifiers. */
export function parseCondition(condition: string, identifiers: readonly string[]): ConditionNode {
  // Sigma 1 aggregations ("selection | count() by x > 5") follow a pipe.
  const pipe = condition.indexOf('|');
  if (pipe >= 0) {
    throw unsupported('aggregation', `"${condition.slice(pipe).trim()}" (aggregations need state across events)`);
  }
  const tokens = tokenize(condition);
  let pos = 0;
  const fail = (msg: string): never => {
    const at = tokens[pos]?.pos ?? condition.length;
    throw new SigmaCompileError('SIGMA_CONDITION_INVALID', `${msg} at position ${at} in condition "${condition}"`);
  };
  const peek = (): Token | undefined => tokens[pos];

  const parseOr = (): ConditionNode => {
    const operands = [parseAnd()];
    while (isKeyword(peek(), 'or')) {
      pos++;
      operands.push(parseAnd());
    }
    return operands.length === 1 ? operands[0]! : { type: 'or', operands };
  };
  const parseAnd = (): ConditionNode => {
    const operands = [parseNot()];
    while (isKeyword(peek(), 'and')) {
      pos++;
      operands.push(parseNot());
    }
    return operands.length === 1 ? operands[0]! : { type: 'and', operands };
  };
  const parseNot = (): ConditionNode => {
    if (isKeyword(peek(), 'not')) {
      pos++;
      return { type: 'not', operand: parseNot() };
    }
    return parsePrimary();
  };
  const parsePrimary = (): ConditionNode => {
    const t = peek();
    if (t === undefined) return fail('expected a search identifier, "(" or "not" but the condition ended');
    if (t.kind === 'lparen') {
      pos++;
      const inner = parseOr();
      if (peek()?.kind !== 'rparen') fail('expected ")"');
      pos++;
      return inner;
    }
    if (t.kind !== 'word') return fail('unexpected ")"');
    const next = tokens[pos + 1];
    const lower = t.text.toLowerCase();
    if ((lower === 'all' || /^\d+$/.test(t.text)) && isKeyword(next, 'of')) {
      pos += 2;
      return parseQuantifier(lower === 'all' ? 'all' : Number(t.text));
    }
    if (/^\d+$/.test(t.text) || lower === 'any') {
      return fail(`"${t.text}" must be followed by "of"`);
    }
    if (KEYWORDS.has(lower)) return fail(`unexpected keyword "${t.text}"`);
    if (/[*?]/.test(t.text)) return fail(`pattern "${t.text}" is only allowed after "1 of" or "all of"`);
    if (!identifiers.includes(t.text)) return fail(`unknown search identifier "${t.text}"`);
    pos++;
    return { type: 'id', name: t.text };
  };
  const parseQuantifier = (count: number | 'all'): ConditionNode => {
    const t = peek();
    if (t?.kind !== 'word') return fail('expected a search identifier pattern or "them" after "of"');
    pos++;
    let names: string[];
    if (t.text.toLowerCase() === 'them') {
      names = identifiers.filter((n) => !n.startsWith('_'));
    } else {
      const re = piecesToRegExp(parseWildcards(t.text), true);
      names = identifiers.filter((n) => re.test(n));
    }
    if (names.length === 0) return fail(`"${t.text}" matches no search identifier`);
    if (count !== 'all' && count < 1) return fail('"0 of" is always true');
    return { type: 'of', count, names };
  };

  const node = parseOr();
  if (pos < tokens.length) fail('unexpected trailing input');
  return node;
}

export type Evaluate = (name: string) => boolean;

export function evaluateCondition(node: ConditionNode, evaluate: Evaluate): boolean {
  switch (node.type) {
    case 'id':
      return evaluate(node.name);
    case 'not':
      return !evaluateCondition(node.operand, evaluate);
    case 'and':
      return node.operands.every((o) => evaluateCondition(o, evaluate));
    case 'or':
      return node.operands.some((o) => evaluateCondition(o, evaluate));
    case 'of': {
      if (node.count === 'all') return node.names.every(evaluate);
      let hits = 0;
      for (const n of node.names) if (evaluate(n) && ++hits >= (node.count as number)) return true;
      return false;
    }
  }
}
