/**
 * The report's colours. Every pair a reader must tell apart (text on its
 * background, a bar on the page) is listed in CONTRAST_PAIRS, which a test
 * holds to WCAG AA (4.5:1, the ratio for normal text, also for the bars).
 */
export const COLORS = {
  page: '#ffffff',
  text: '#1b1f24',
  muted: '#4b5563',
  border: '#9aa4b1',
  headerBg: '#eef1f5',
  bar: '#1f5f99',
  warn: '#b3261e',
  warnBg: '#fdecea',
  warnText: '#7d1a13',
  okBg: '#e6f4ea',
  okText: '#1e5631',
} as const;

export type ColorName = keyof typeof COLORS;

/** [foreground, background, what it is]: the pairs the report draws. */
export const CONTRAST_PAIRS: readonly [ColorName, ColorName, string][] = [
  ['text', 'page', 'body text'],
  ['muted', 'page', 'notes and axis labels'],
  ['text', 'headerBg', 'table headers'],
  ['bar', 'page', 'chart bars'],
  ['warn', 'page', 'gap bars and warning text'],
  ['warnText', 'warnBg', 'the failed-verification banner'],
  ['okText', 'okBg', 'the verified banner'],
];
