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

type Token = { kind: 'lparen'; pos: number } | { kind: 'rparen'; pos: number } | { kind: 'word'; text: string; pos: number };

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
  const parser = new ConditionParser(condition, tokenize(condition), identifiers);
  const node = parser.or();
  if (!parser.atEnd()) parser.fail('unexpected trailing input');
  return node;
}

/** Recursive descent over the tokens, loosest binding first: or, and, not, then a primary. */
class ConditionParser {
  private pos = 0;

  constructor(
    private readonly condition: string,
    private readonly tokens: readonly Token[],
    private readonly identifiers: readonly string[],
  ) {}

  atEnd(): boolean {
    return this.pos >= this.tokens.length;
  }

  fail(msg: string): never {
    const at = this.tokens[this.pos]?.pos ?? this.condition.length;
    throw new SigmaCompileError('SIGMA_CONDITION_INVALID', `${msg} at position ${at} in condition "${this.condition}"`);
  }

  private peek(): Token | undefined {
    return this.tokens[this.pos];
  }

  or(): ConditionNode {
    const operands = [this.and()];
    while (isKeyword(this.peek(), 'or')) {
      this.pos++;
      operands.push(this.and());
    }
    return operands.length === 1 ? operands[0]! : { type: 'or', operands };
  }

  private and(): ConditionNode {
    const operands = [this.not()];
    while (isKeyword(this.peek(), 'and')) {
      this.pos++;
      operands.push(this.not());
    }
    return operands.length === 1 ? operands[0]! : { type: 'and', operands };
  }

  private not(): ConditionNode {
    if (isKeyword(this.peek(), 'not')) {
      this.pos++;
      return { type: 'not', operand: this.not() };
    }
    return this.primary();
  }

  private primary(): ConditionNode {
    const t = this.peek();
    if (t === undefined) return this.fail('expected a search identifier, "(" or "not" but the condition ended');
    if (t.kind === 'lparen') {
      this.pos++;
      const inner = this.or();
      if (this.peek()?.kind !== 'rparen') this.fail('expected ")"');
      this.pos++;
      return inner;
    }
    if (t.kind !== 'word') return this.fail('unexpected ")"');
    const next = this.tokens[this.pos + 1];
    const lower = t.text.toLowerCase();
    if ((lower === 'all' || /^\d+$/.test(t.text)) && isKeyword(next, 'of')) {
      this.pos += 2;
      return this.quantifier(lower === 'all' ? 'all' : Number(t.text));
    }
    if (/^\d+$/.test(t.text) || lower === 'any') {
      return this.fail(`"${t.text}" must be followed by "of"`);
    }
    if (KEYWORDS.has(lower)) return this.fail(`unexpected keyword "${t.text}"`);
    if (/[*?]/.test(t.text)) return this.fail(`pattern "${t.text}" is only allowed after "1 of" or "all of"`);
    if (!this.identifiers.includes(t.text)) return this.fail(`unknown search identifier "${t.text}"`);
    this.pos++;
    return { type: 'id', name: t.text };
  }

  private quantifier(count: number | 'all'): ConditionNode {
    const t = this.peek();
    if (t?.kind !== 'word') return this.fail('expected a search identifier pattern or "them" after "of"');
    this.pos++;
    let names: string[];
    if (t.text.toLowerCase() === 'them') {
      names = this.identifiers.filter((n) => !n.startsWith('_'));
    } else {
      const re = piecesToRegExp(parseWildcards(t.text), true);
      names = this.identifiers.filter((n) => re.test(n));
    }
    if (names.length === 0) return this.fail(`"${t.text}" matches no search identifier`);
    if (count !== 'all' && count < 1) return this.fail('"0 of" is always true');
    return { type: 'of', count, names };
  }
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
