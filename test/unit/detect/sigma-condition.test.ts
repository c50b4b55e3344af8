import { describe, expect, it } from 'vitest';
import { evaluateCondition, parseCondition, type ConditionNode } from '../../../lib/core/detect/sigma/condition';
import { SigmaCompileError } from '../../../lib/core/detect/sigma/errors';

const IDS = ['a', 'b', 'c', 'sel_1', 'sel_2', 'filter_main', 'filter_x', '_hidden'];

/** Renders the tree with explicit parentheses, to read precedence off it. */
function show(n: ConditionNode): string {
  switch (n.type) {
    case 'id':
      return n.name;
    case 'not':
      return `not(${show(n.operand)})`;
    case 'and':
      return `and(${n.operands.map(show).join(', ')})`;
    case 'or':
      return `or(${n.operands.map(show).join(', ')})`;
    case 'of':
      return `${n.count} of [${n.names.join(' ')}]`;
  }
}

const parse = (c: string) => show(parseCondition(c, IDS));

function evalWith(condition: string, trueIds: string[]): boolean {
  return evaluateCondition(parseCondition(condition, IDS), (n) => trueIds.includes(n));
}

function compileError(condition: string): SigmaCompileError {
  try {
    parseCondition(condition, IDS);
  } catch (e) {
    expect(e).toBeInstanceOf(SigmaCompileError);
    return e as SigmaCompileError;
  }
  throw new Error(`"${condition}" parsed`);
}

describe('condition parser: precedence not > and > or', () => {
  it('binds and tighter than or, on either side', () => {
    expect(parse('a or b and c')).toBe('or(a, and(b, c))');
    expect(parse('a and b or c')).toBe('or(and(a, b), c)');
  });

  it('binds not tighter than and', () => {
    expect(parse('not a and b')).toBe('and(not(a), b)');
    expect(parse('a and not b or c')).toBe('or(and(a, not(b)), c)');
    expect(parse('not not a')).toBe('not(not(a))');
  });

  it('lets parentheses override precedence', () => {
    expect(parse('(a or b) and c')).toBe('and(or(a, b), c)');
    expect(parse('not (a or b)')).toBe('not(or(a, b))');
    expect(parse('((a))')).toBe('a');
  });

  it('flattens chains of the same operator', () => {
    expect(parse('a and b and c')).toBe('and(a, b, c)');
    expect(parse('a or b or c')).toBe('or(a, b, c)');
  });

  it('accepts keywords in any case', () => {
    expect(parse('a AND NOT b OR c')).toBe('or(and(a, not(b)), c)');
  });
});

describe('condition parser: quantifiers', () => {
  it('expands patterns over the search identifiers', () => {
    expect(parse('1 of sel_*')).toBe('1 of [sel_1 sel_2]');
    expect(parse('all of filter_*')).toBe('all of [filter_main filter_x]');
    expect(parse('1 of sel_?')).toBe('1 of [sel_1 sel_2]');
    expect(parse('1 of a')).toBe('1 of [a]');
  });

  it('them means every identifier not starting with an underscore', () => {
    expect(parse('all of them')).toBe('all of [a b c sel_1 sel_2 filter_main filter_x]');
    expect(parse('1 of them')).toBe('1 of [a b c sel_1 sel_2 filter_main filter_x]');
  });

  it('combines with the operators', () => {
    expect(parse('sel_1 and not 1 of filter_*')).toBe('and(sel_1, not(1 of [filter_main filter_x]))');
  });

  it('evaluates 1 of, N of and all of', () => {
    expect(evalWith('1 of sel_*', ['sel_2'])).toBe(true);
    expect(evalWith('1 of sel_*', ['a'])).toBe(false);
    expect(evalWith('all of sel_*', ['sel_1'])).toBe(false);
    expect(evalWith('all of sel_*', ['sel_1', 'sel_2'])).toBe(true);
    expect(evalWith('2 of them', ['a', 'filter_x'])).toBe(true);
    expect(evalWith('2 of them', ['a', '_hidden'])).toBe(false);
  });
});

describe('condition evaluation', () => {
  it('follows the truth tables', () => {
    const cases: [string, string[], boolean][] = [
      ['a or b and c', ['a'], true],
      ['a or b and c', ['b'], false],
      ['(a or b) and c', ['a'], false],
      ['(a or b) and c', ['b', 'c'], true],
      ['not a and b', ['b'], true],
      ['not a and b', ['a', 'b'], false],
      ['not (a and b)', ['a'], true],
      ['a and not 1 of filter_*', ['a', 'filter_x'], false],
      ['a and not 1 of filter_*', ['a'], true],
    ];
    for (const [c, t, want] of cases) expect(evalWith(c, t), `${c} with ${t.join(',')}`).toBe(want);
  });
});

describe('condition parser: errors', () => {
  it('rejects unknown identifiers, naming them', () => {
    expect(compileError('a and d').message).toMatch(/unknown search identifier "d"/);
  });

  it('rejects unbalanced parentheses and trailing input', () => {
    expect(compileError('(a or b').message).toMatch(/expected "\)"/);
    expect(compileError('a or b)').message).toMatch(/trailing input/);
    expect(compileError('a b').message).toMatch(/trailing input/);
    expect(compileError('a and').message).toMatch(/condition ended/);
    expect(compileError('').message).toMatch(/condition ended/);
  });

  it('rejects patterns outside quantifiers and patterns matching nothing', () => {
    expect(compileError('sel_*').message).toMatch(/only allowed after "1 of" or "all of"/);
    expect(compileError('1 of nothing*').message).toMatch(/matches no search identifier/);
    expect(compileError('1 of').message).toMatch(/after "of"/);
    expect(compileError('any of them').message).toMatch(/must be followed by "of"/);
    expect(compileError('a and @b').message).toMatch(/unexpected character "@"/);
  });

  it('rejects aggregations as unsupported', () => {
    const e = compileError('a | count() by userIdentity.arn > 5');
    expect(e.code).toBe('SIGMA_UNSUPPORTED');
    expect(e.construct).toBe('aggregation');
  });
});
