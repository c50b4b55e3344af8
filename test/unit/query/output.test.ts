import { describe, expect, it } from 'vitest';
import { renderCsv, renderJson, renderResult, renderTable } from '../../../lib/query/output';
import type { QueryResult } from '../../../lib/query/types';

const result: QueryResult = {
  columns: ['principal', 'n', 'ok', 'resources'],
  rows: [
    ['arn:aws:iam::1:user/alice', 12, true, [{ type: 'AWS::EC2::Instance', id: 'i-1', arn: null }]],
    ['bob', 3, null, null],
  ],
};

describe('renderTable', () => {
  it('aligns columns, right-aligns numbers, shows NULL and the row count', () => {
    const lines = renderTable(result).trimEnd().split('\n');
    expect(lines).toHaveLength(5);
    const [header, rule, first, second, count] = lines;
    expect(count).toBe('(2 rows)');
    // every column starts at the same offset on every line
    const starts = (l: string) => [...l.matchAll(/ \| /g)].map((m) => m.index);
    expect(starts(first)).toEqual(starts(header));
    expect(starts(second)).toEqual(starts(header));
    expect(rule.split('-+-').map((r) => r.length)).toEqual(header.split(' | ').map((h, i) => Math.max(h.length, first.split(' | ')[i].length)));
    expect(second.split(' | ')[1]).toBe(' 3');
    expect(second.split(' | ')[2].trim()).toBe('NULL');
    expect(first).toContain('[{"type":"AWS::EC2::Instance","id":"i-1","arn":null}]');
  });

  it('escapes control characters from archived strings', () => {
    const out = renderTable({ columns: ['ua'], rows: [['curl\u001b[31m\nsecond line\tx']] });
    expect(out).toContain('curl\\u001b[31m\\nsecond line\\tx');
    expect(out).not.toContain('\u001b');
    expect(out.trimEnd().split('\n')).toHaveLength(4);
  });

  it('renders an empty result with its header', () => {
    expect(renderTable({ columns: ['a', 'bb'], rows: [] })).toBe('a | bb\n--+---\n(0 rows)\n');
  });
});

describe('renderJson', () => {
  it('writes an array of row objects that parses back to the same values', () => {
    expect(JSON.parse(renderJson(result))).toEqual([
      { principal: 'arn:aws:iam::1:user/alice', n: 12, ok: true, resources: [{ type: 'AWS::EC2::Instance', id: 'i-1', arn: null }] },
      { principal: 'bob', n: 3, ok: null, resources: null },
    ]);
  });
});

describe('renderCsv (RFC 4180)', () => {
  it('quotes fields with commas, quotes and line breaks, doubles inner quotes, ends lines with CRLF', () => {
    const csv = renderCsv({
      columns: ['a', 'b,c'],
      rows: [
        ['plain', 'say "hi"'],
        ['two\nlines', null],
        ['cr\rhere', 7],
      ],
    });
    expect(csv).toBe('a,"b,c"\r\nplain,"say ""hi"""\r\n"two\nlines",\r\n"cr\rhere",7\r\n');
  });

  it('writes nested values as JSON text in one field', () => {
    const csv = renderResult(result, 'csv');
    expect(csv.split('\r\n')[1]).toBe('arn:aws:iam::1:user/alice,12,true,"[{""type"":""AWS::EC2::Instance"",""id"":""i-1"",""arn"":null}]"');
  });
});
