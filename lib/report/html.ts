import { esc } from './escape';
import type { Row } from './types';

/** Building blocks every section uses. Each takes text and escapes it; `Html` values are already-built markup. */
export type Html = string;

export interface Column {
  key: string;
  header: string;
  /** A cell's text; default: the value as is (empty for null). */
  format?: (value: Row[string], row: Row) => string;
  /** Right-aligned, for numbers. */
  numeric?: boolean;
}

export function table(rows: readonly Row[], columns: readonly Column[], caption?: string): Html {
  const head = columns.map((c) => `<th scope="col"${c.numeric ? ' class="num"' : ''}>${esc(c.header)}</th>`).join('');
  const body = rows
    .map(
      (r) =>
        `<tr>${columns.map((c) => `<td${c.numeric ? ' class="num"' : ''}>${esc(c.format ? c.format(r[c.key], r) : (r[c.key] ?? ''))}</td>`).join('')}</tr>`,
    )
    .join('\n');
  return `<div class="table-wrap"><table>${caption ? `<caption>${esc(caption)}</caption>` : ''}<thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table></div>`;
}

/** A table, or a sentence saying there is nothing to list. */
export function tableOrNone(rows: readonly Row[], columns: readonly Column[], none: string, caption?: string): Html {
  return rows.length ? table(rows, columns, caption) : `<p class="none">${esc(none)}</p>`;
}

export function para(text: string, cls?: string): Html {
  return `<p${cls ? ` class="${esc(cls)}"` : ''}>${esc(text)}</p>`;
}

/** Label and value pairs, as a description list. */
export function facts(pairs: readonly [string, string][]): Html {
  return `<dl class="facts">${pairs.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(v)}</dd>`).join('')}</dl>`;
}

/** One report section: an h2 heading, the controls it is evidence for, then its body. */
export function section(id: string, title: string, evidenceFor: readonly string[], body: readonly Html[]): Html {
  const controls = evidenceFor.length ? `<p class="controls">Evidence for: ${esc(evidenceFor.join('; '))}.</p>` : '';
  return `<section id="${esc(id)}" aria-labelledby="${esc(id)}-h">\n<h2 id="${esc(id)}-h">${esc(title)}</h2>\n${controls}\n${body.join('\n')}\n</section>`;
}

export const h3 = (text: string): Html => `<h3>${esc(text)}</h3>`;

export const num = (v: Row[string] | undefined): number => (typeof v === 'number' ? v : Number(v ?? 0) || 0);
