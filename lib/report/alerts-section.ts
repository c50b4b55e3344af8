import { barChart } from './bar-chart';
import { EVIDENCE, SECTION_TITLES } from './control-map';
import { h3, num, para, section, tableOrNone, type Html } from './html';
import { daysOf } from './period';
import type { ReportData, Row } from './types';

const SEVERITY_ORDER = ['critical', 'high', 'medium', 'low'];

/** Alerts summed over the period per kind and severity, most severe first. */
export function alertsByKind(rows: readonly Row[]): Row[] {
  const by = new Map<string, number>();
  for (const r of rows) {
    const key = `${r.alert_kind ?? ''}\u0000${r.alert_severity ?? ''}`;
    by.set(key, (by.get(key) ?? 0) + num(r.alerts));
  }
  const rank = (s: string) => (SEVERITY_ORDER.indexOf(s) + 5) % 5;
  return [...by]
    .map(([k, alerts]) => ({ alert_kind: k.split('\u0000')[0], alert_severity: k.split('\u0000')[1], alerts }))
    .sort((a, b) => rank(a.alert_severity) - rank(b.alert_severity) || b.alerts - a.alerts || (a.alert_kind < b.alert_kind ? -1 : 1));
}

export function renderAlerts(d: ReportData): Html {
  const rows = d.queries['alerts-by-day'] ?? [];
  const days = daysOf(d.period).map((day) => ({ day, alerts: rows.filter((r) => r.alert_day === day).reduce((n, r) => n + num(r.alerts), 0) }));
  const total = days.reduce((n, x) => n + x.alerts, 0);
  return section('alerts', SECTION_TITLES.alerts, EVIDENCE.alerts, [
    para(`Every alert is itself a record in the archive, so it cannot be removed afterwards. ${total} alert(s) in the period.`),
    barChart({
      id: 'alerts-per-day',
      title: 'Alerts per day',
      description: `${total} alert(s) over ${days.length} day(s).`,
      labelHeader: 'Day (UTC)',
      valueHeader: 'Alerts',
      points: days.map((x) => ({ label: x.day, value: x.alerts })),
    }),
    h3('Alerts by kind and severity'),
    tableOrNone(
      alertsByKind(rows),
      [
        { key: 'alert_kind', header: 'Kind' },
        { key: 'alert_severity', header: 'Severity' },
        { key: 'alerts', header: 'Alerts', numeric: true },
      ],
      'No alert was raised in this period.',
      'Alerts by kind and severity (query: alerts-by-day)',
    ),
  ]);
}
