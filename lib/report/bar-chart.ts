import { COLORS } from './colors';
import { esc } from './escape';
import type { Html } from './html';

export interface BarPoint {
  label: string;
  value: number;
  /** Drawn in the warning colour, and named so in the table. */
  warn?: boolean;
}

export interface BarChart {
  /** Unique in the page: ids of the title and description derive from it. */
  id: string;
  title: string;
  /** What the chart shows, in a sentence or two, for readers who cannot see it. */
  description: string;
  labelHeader: string;
  valueHeader: string;
  points: readonly BarPoint[];
  /** A dashed line at this value, e.g. the longest acceptable gap. */
  threshold?: { value: number; label: string };
  /** The table's words for a warning point. */
  warnText?: string;
}

const W = 720;
const H = 240;
const PAD = { left: 56, right: 12, top: 28, bottom: 36 };
/** A point of value 0 still shows as a stub this tall (a warning one, e.g. a day with nothing, taller): every point is drawn. */
const STUB = 2;
const WARN_STUB = 6;

const fmt = (n: number): string => (Number.isInteger(n) ? String(n) : n.toFixed(1));

/**
 * A bar chart as inline SVG, with its text alternatives: <title> and <desc>
 * in the SVG, and the same numbers as a table in a <details>. One `rect.point`
 * per point, one table row per point.
 */
export function barChart(c: BarChart): Html {
  if (c.points.length === 0) return `<p class="none">${esc(c.title)}: no data in this period.</p>`;
  const max = Math.max(1, c.threshold?.value ?? 0, ...c.points.map((p) => p.value));
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const step = plotW / c.points.length;
  const barW = Math.max(1, step * 0.8);
  const y = (v: number): number => PAD.top + plotH - (v / max) * plotH;
  const labelEvery = Math.ceil(c.points.length / 8);
  const bars = c.points.map((p, i) => {
    const x = PAD.left + i * step + (step - barW) / 2;
    const h = Math.max(p.warn ? WARN_STUB : STUB, (p.value / max) * plotH);
    const fill = p.warn ? COLORS.warn : COLORS.bar;
    const rect = `<rect class="point${p.warn ? ' warn' : ''}" x="${x.toFixed(1)}" y="${(PAD.top + plotH - h).toFixed(1)}" width="${barW.toFixed(1)}" height="${h.toFixed(1)}" fill="${fill}" data-label="${esc(p.label)}" data-value="${p.value}"><title>${esc(`${p.label}: ${fmt(p.value)}${p.warn ? ` (${c.warnText ?? 'warning'})` : ''}`)}</title></rect>`;
    const label =
      i % labelEvery === 0 ? `<text x="${(x + barW / 2).toFixed(1)}" y="${H - PAD.bottom + 16}" text-anchor="middle" class="axis">${esc(p.label)}</text>` : '';
    return rect + label;
  });
  // The threshold's label sits in the left margin like a tick, where no bar can cover it.
  const threshold = c.threshold
    ? `<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${y(c.threshold.value).toFixed(1)}" y2="${y(c.threshold.value).toFixed(1)}" stroke="${COLORS.warn}" stroke-dasharray="6 4"/><text x="${PAD.left - 6}" y="${(y(c.threshold.value) + 4).toFixed(1)}" text-anchor="end" class="axis">${esc(c.threshold.label)}</text>`
    : '';
  const axes = `<line x1="${PAD.left}" x2="${PAD.left}" y1="${PAD.top}" y2="${PAD.top + plotH}" stroke="${COLORS.border}"/><line x1="${PAD.left}" x2="${W - PAD.right}" y1="${PAD.top + plotH}" y2="${PAD.top + plotH}" stroke="${COLORS.border}"/><text x="${PAD.left - 6}" y="${PAD.top + 4}" text-anchor="end" class="axis">${fmt(max)}</text><text x="${PAD.left - 6}" y="${PAD.top + plotH}" text-anchor="end" class="axis">0</text><text x="${PAD.left}" y="14" class="axis">${esc(c.valueHeader)}</text>`;
  const svg = `<svg class="chart" data-chart="${esc(c.id)}" viewBox="0 0 ${W} ${H}" role="img" aria-labelledby="${esc(c.id)}-title ${esc(c.id)}-desc" preserveAspectRatio="xMinYMin meet"><title id="${esc(c.id)}-title">${esc(c.title)}</title><desc id="${esc(c.id)}-desc">${esc(c.description)}</desc>${axes}${bars.join('')}${threshold}</svg>`;
  const rows = c.points
    .map(
      (p) =>
        `<tr${p.warn ? ' class="warn"' : ''}><td>${esc(p.label)}</td><td class="num">${esc(fmt(p.value))}</td><td>${p.warn ? esc(c.warnText ?? 'warning') : ''}</td></tr>`,
    )
    .join('\n');
  const data = `<details data-chart="${esc(c.id)}"><summary>${esc(c.title)}: the numbers as a table</summary><div class="table-wrap"><table><thead><tr><th scope="col">${esc(c.labelHeader)}</th><th scope="col" class="num">${esc(c.valueHeader)}</th><th scope="col">Note</th></tr></thead><tbody>\n${rows}\n</tbody></table></div></details>`;
  return `<figure>${svg}<figcaption>${esc(c.title)}</figcaption>${data}</figure>`;
}
