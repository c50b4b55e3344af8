import { parse, type HTMLElement } from 'node-html-parser';

/**
 * Checks of a rendered report that need no browser, shared by the unit,
 * integration and browser tests. Each returns what it found, so a failing
 * assertion names the offending element.
 */
export const parseReport = (html: string): HTMLElement => parse(html, { comment: false });

/** Every src, href, xlink:href, srcset and CSS url() that leaves the page (anything but a #fragment or data: URL). */
export function externalReferences(html: string): string[] {
  const root = parseReport(html);
  const found: string[] = [];
  for (const el of root.querySelectorAll('*')) {
    for (const attr of ['src', 'href', 'xlink:href', 'srcset', 'action', 'poster', 'data']) {
      const v = el.getAttribute(attr);
      if (v !== undefined && !v.startsWith('#') && !v.startsWith('data:')) found.push(`<${el.tagName.toLowerCase()} ${attr}="${v}">`);
    }
  }
  for (const m of html.matchAll(/url\(\s*['"]?([^'")]*)/gi)) if (!m[1].startsWith('#') && !m[1].startsWith('data:')) found.push(`url(${m[1]})`);
  for (const m of html.matchAll(/@import\b[^;]*/gi)) found.push(m[0]);
  if (root.querySelector('script, link, iframe, object, embed, img')) found.push('a script, link, iframe, object, embed or img element');
  return found;
}

/** Heading levels in document order, and the first place where a level is skipped (null when none is). */
export function headingOrder(html: string): { levels: number[]; skip: string | null } {
  const levels = parseReport(html)
    .querySelectorAll('h1, h2, h3, h4, h5, h6')
    .map((h) => Number(h.tagName.slice(1)));
  let prev = 0;
  for (const [i, l] of levels.entries()) {
    if (l > prev + 1) return { levels, skip: `heading ${i} is h${l} after h${prev}` };
    prev = l;
  }
  return { levels, skip: null };
}

export interface ChartCheck {
  id: string;
  points: number;
  tableRows: number;
  title: string;
  desc: string;
}

/** Each chart: its data points (rect.point), the rows of its data table, and its SVG title and description. */
export function charts(html: string): ChartCheck[] {
  const root = parseReport(html);
  return root.querySelectorAll('svg.chart').map((svg) => {
    const id = svg.getAttribute('data-chart') ?? '';
    const table = root.querySelector(`details[data-chart="${id}"]`);
    return {
      id,
      points: svg.querySelectorAll('rect.point').length,
      tableRows: table ? table.querySelectorAll('tbody tr').length : -1,
      title: svg.querySelector('title')?.text ?? '',
      desc: svg.querySelector('desc')?.text ?? '',
    };
  });
}

/** The page's visible text, whitespace collapsed. */
export const pageText = (html: string): string => parseReport(html).querySelector('body')!.text.replace(/\s+/g, ' ');

/** WCAG 2.x relative luminance of a #rrggbb colour. */
export function luminance(hex: string): number {
  const [r, g, b] = [1, 3, 5].map((i) => {
    const c = parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** WCAG 2.x contrast ratio of two #rrggbb colours, from 1 to 21. */
export function contrastRatio(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}
