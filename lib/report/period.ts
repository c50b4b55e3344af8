import type { ReportPeriod } from './types';

const DAY_MS = 86_400_000;

/** Every UTC day of the period, inclusive, as YYYY-MM-DD. */
export function daysOf(p: ReportPeriod): string[] {
  const out: string[] = [];
  for (let t = Date.parse(`${p.from}T00:00:00Z`); t <= Date.parse(`${p.to}T00:00:00Z`); t += DAY_MS) out.push(new Date(t).toISOString().slice(0, 10));
  return out;
}

/** The named queries' parameters for the period: `from` inclusive, `to` exclusive (the day after the last). */
export function queryParams(p: ReportPeriod): { from: string; to: string } {
  return { from: `${p.from}T00:00:00Z`, to: new Date(Date.parse(`${p.to}T00:00:00Z`) + DAY_MS).toISOString() };
}

/** Sorted days as runs: "2026-01-01", "2026-01-03 to 2026-01-05"; a long list of gaps reads at a glance. */
export function dayRanges(days: readonly string[]): string[] {
  const out: string[] = [];
  let start = '';
  let prev = '';
  const flush = () => start && out.push(start === prev ? start : `${start} to ${prev}`);
  for (const d of days) {
    if (prev && Date.parse(`${d}T00:00:00Z`) - Date.parse(`${prev}T00:00:00Z`) === DAY_MS) {
      prev = d;
      continue;
    }
    flush();
    start = prev = d;
  }
  flush();
  return out;
}
