import type { Cell, QueryResult } from './types';

export type OutputFormat = 'table' | 'json' | 'csv';

export function renderResult(result: QueryResult, format: OutputFormat): string {
  switch (format) {
    case 'table':
      return renderTable(result);
    case 'json':
      return renderJson(result);
    case 'csv':
      return renderCsv(result);
  }
}

/** Cell as plain text: nested values as JSON, null as the empty string. */
function cellText(v: Cell): string {
  if (v === null) return '';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/**
 * Archived strings come from whoever made the API call (user agents, error
 * messages), so control characters are shown escaped: they would otherwise
 * break the alignment or drive the auditor's terminal.
 */
function printable(s: string): string {
  return s.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => {
    if (c === '\n') return '\\n';
    if (c === '\t') return '\\t';
    if (c === '\r') return '\\r';
    return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
  });
}

const width = (s: string): number => [...s].length;

/** An aligned text table: numbers right-aligned, NULL for nulls, and a row count. */
export function renderTable(result: QueryResult): string {
  const header = result.columns.map(printable);
  const body = result.rows.map((row) => row.map((v) => (v === null ? 'NULL' : printable(cellText(v)))));
  const widths = header.map((h, i) => Math.max(width(h), ...body.map((r) => width(r[i] ?? ''))));
  const numeric = result.columns.map((_, i) => result.rows.length > 0 && result.rows.every((r) => r[i] === null || typeof r[i] === 'number'));
  const pad = (s: string, i: number): string => {
    const fill = ' '.repeat(widths[i] - width(s));
    return numeric[i] ? fill + s : s + fill;
  };
  const line = (cells: string[]): string => cells.map(pad).join(' | ').trimEnd();
  const out = [line(header), widths.map((w) => '-'.repeat(w)).join('-+-'), ...body.map(line)];
  const n = result.rows.length;
  out.push(`(${n} ${n === 1 ? 'row' : 'rows'})`);
  return `${out.join('\n')}\n`;
}

/** An array of row objects keyed by column name. */
export function renderJson(result: QueryResult): string {
  const rows = result.rows.map((row) => Object.fromEntries(result.columns.map((c, i) => [c, row[i] ?? null])));
  return `${JSON.stringify(rows, null, 2)}\n`;
}

/**
 * RFC 4180: a header line, CRLF line ends, and fields holding a comma, a
 * double quote, CR or LF enclosed in double quotes with inner quotes doubled.
 * Values are written as archived (no spreadsheet formula escaping), since an
 * audit export must not change the data.
 */
export function renderCsv(result: QueryResult): string {
  const field = (s: string): string => (/[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  const lines = [result.columns.map(field), ...result.rows.map((row) => row.map((v) => field(cellText(v))))];
  return lines.map((l) => `${l.join(',')}\r\n`).join('');
}
