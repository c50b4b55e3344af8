import { barChart } from './bar-chart';
import { EVIDENCE, SECTION_TITLES } from './control-map';
import { h3, num, para, section, tableOrNone, type Html } from './html';
import { dayRanges, daysOf } from './period';
import type { ReportData, Row } from './types';

/** For each account and region seen in the period, the days on which it delivered no log file. */
export function accountGaps(rows: readonly Row[], days: readonly string[]): Row[] {
  const seen = new Map<string, Set<string>>();
  for (const r of rows) {
    const key = `${r.account ?? ''}\u0000${r.region ?? ''}`;
    if (!seen.has(key)) seen.set(key, new Set());
    seen.get(key)!.add(String(r.log_day));
  }
  return [...seen].flatMap(([key, present]) => {
    const [account, region] = key.split('\u0000');
    const missing = days.filter((d) => !present.has(d));
    return missing.length ? [{ account, region, days_missing: missing.length, missing_days: dayRanges(missing).join(', ') }] : [];
  });
}

function perDay(d: ReportData, days: readonly string[]): Html {
  const byDay = new Map((d.queries['coverage-by-day'] ?? []).map((r) => [String(r.log_day), r]));
  const gaps = days.filter((day) => !byDay.has(day));
  return [
    h3('Log files reconciled per day'),
    para(
      'AWS writes the audit log as files; each file was read again and every event in it checked against the archive. ' +
        (gaps.length
          ? `${gaps.length} day(s) had no log file at all, shown in the warning colour: ${dayRanges(gaps).join(', ')}.`
          : 'Every day of the period has reconciled log files.'),
    ),
    barChart({
      id: 'coverage-per-day',
      title: 'Log files reconciled per day',
      description: `${days.length} day(s); ${gaps.length} without any reconciled log file (a gap).`,
      labelHeader: 'Day (UTC)',
      valueHeader: 'Log files reconciled',
      points: days.map((day) => ({ label: day, value: num(byDay.get(day)?.log_files), warn: !byDay.has(day) })),
      warnText: 'gap: no log file',
    }),
    tableOrNone(
      d.queries['coverage-by-day'] ?? [],
      [
        { key: 'log_day', header: 'Day' },
        { key: 'log_files', header: 'Log files', numeric: true },
        { key: 'total', header: 'Events in them', numeric: true },
        { key: 'archived', header: 'Already archived', numeric: true },
        { key: 'recovered', header: 'Recovered from the files', numeric: true },
        { key: 'skipped', header: 'Out of scope', numeric: true },
        { key: 'digest_checked', header: "Files checked against AWS's digest", numeric: true },
      ],
      'No log file was reconciled in this period.',
      'Reconciliation per day (query: coverage-by-day)',
    ),
  ].join('\n');
}

function perAccount(d: ReportData, days: readonly string[]): Html {
  const rows = d.queries['coverage-by-account'] ?? [];
  return [
    h3('Log files reconciled per account'),
    tableOrNone(
      rows,
      [
        { key: 'account', header: 'Account' },
        { key: 'region', header: 'Region' },
        { key: 'log_day', header: 'Day' },
        { key: 'log_files', header: 'Log files', numeric: true },
        { key: 'total', header: 'Events', numeric: true },
        { key: 'recovered', header: 'Recovered', numeric: true },
      ],
      'No log file was reconciled in this period.',
      'Reconciliation per account, region and day (query: coverage-by-account)',
    ),
    tableOrNone(
      accountGaps(rows, days),
      [
        { key: 'account', header: 'Account' },
        { key: 'region', header: 'Region' },
        { key: 'days_missing', header: 'Days without a log file', numeric: true },
        { key: 'missing_days', header: 'Which days' },
      ],
      'Every account and region that delivered log files in the period delivered them on every day.',
      'Accounts and regions with days that delivered nothing',
    ),
  ].join('\n');
}

function recovered(d: ReportData): Html {
  const rows = (d.queries['coverage-by-day'] ?? []).filter((r) => num(r.recovered) > 0);
  const total = rows.reduce((n, r) => n + num(r.recovered), 0);
  return [
    h3('Events the live feed missed, recovered from the log files'),
    para(
      `Events normally arrive within seconds through Amazon EventBridge. Events that EventBridge did not deliver were found in the log files and archived then: ${total} in this period.`,
    ),
    tableOrNone(
      rows,
      [
        { key: 'log_day', header: 'Day' },
        { key: 'recovered', header: 'Events recovered', numeric: true },
        { key: 'total', header: 'Events in that day’s files', numeric: true },
      ],
      'No event had to be recovered in this period.',
    ),
  ].join('\n');
}

export function renderCompleteness(d: ReportData): Html {
  const days = daysOf(d.period);
  return section('completeness', SECTION_TITLES.completeness, EVIDENCE.completeness, [perDay(d, days), perAccount(d, days), recovered(d)]);
}
