/** Plain-text tables for the terminal. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

export const fmt = (x: number | null | undefined, digits = 0): string =>
  x === null || x === undefined || Number.isNaN(x) ? 'n/a' : x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

export const usd = (x: number | null | undefined, digits = 3): string => (x === null || x === undefined ? 'n/a' : `$${fmt(x, digits)}`);

/** A quantity with about three significant digits (billing quantities range from 1e-3 to 1e7). */
export const qty = (x: number): string => (x >= 100 ? fmt(x) : x >= 1 ? fmt(x, 1) : x > 0 ? x.toPrecision(3) : '0');
