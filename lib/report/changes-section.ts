import { anyGlob } from '../core/detect/glob';
import { barChart } from './bar-chart';
import { EVIDENCE, SECTION_TITLES } from './control-map';
import { h3, num, para, section, tableOrNone, type Html } from './html';
import { daysOf } from './period';
import type { ReportData, Row } from './types';

/** Per principal over the period: changes, out-of-band ones, and whether it matches a deployer pattern (`*` and `?` globs, as the drift detector takes them). */
export function changesByPrincipal(rows: readonly Row[], deployers: readonly string[]): Row[] {
  const isDeployer = anyGlob(deployers);
  const by = new Map<string, { changes: number; out_of_band: number }>();
  for (const r of rows) {
    const p = String(r.changed_by ?? 'unknown');
    const t = by.get(p) ?? { changes: 0, out_of_band: 0 };
    t.changes += num(r.changes);
    t.out_of_band += num(r.out_of_band);
    by.set(p, t);
  }
  return [...by]
    .map(([changed_by, t]) => ({ changed_by, role: isDeployer(changed_by) ? 'deployment pipeline' : 'other principal', ...t }))
    .sort((a, b) => b.changes - a.changes || (a.changed_by < b.changed_by ? -1 : 1));
}

function perDay(d: ReportData): Html {
  const rows = d.queries['changes-by-principal'] ?? [];
  const isDeployer = anyGlob(d.deployers);
  const days = daysOf(d.period).map((day) => {
    const of = rows.filter((r) => r.change_day === day);
    const changes = of.reduce((n, r) => n + num(r.changes), 0);
    const pipeline = of.filter((r) => isDeployer(String(r.changed_by))).reduce((n, r) => n + num(r.changes), 0);
    return { day, changes, pipeline, out_of_band: of.reduce((n, r) => n + num(r.out_of_band), 0) };
  });
  return [
    h3('Out-of-band changes per day'),
    barChart({
      id: 'out-of-band-per-day',
      title: 'Out-of-band changes per day',
      description: `Changes made outside the deployment pipeline (each raised a drift alert), per day: ${days.reduce((n, x) => n + x.out_of_band, 0)} in the period.`,
      labelHeader: 'Day (UTC)',
      valueHeader: 'Out-of-band changes',
      points: days.map((x) => ({ label: x.day, value: x.out_of_band, warn: x.out_of_band > 0 })),
      warnText: 'out-of-band change',
    }),
    tableOrNone(
      days.filter((x) => x.changes > 0),
      [
        { key: 'day', header: 'Day' },
        { key: 'changes', header: 'Changes', numeric: true },
        { key: 'pipeline', header: 'By the deployment pipeline', numeric: true },
        { key: 'out_of_band', header: 'Out of band (drift alert)', numeric: true },
      ],
      'No change was made in this period.',
      'Changes per day (query: changes-by-principal)',
    ),
  ].join('\n');
}

export function renderChanges(d: ReportData): Html {
  const drift = d.queries['drift-alerts'] ?? [];
  const deployers = d.deployers.length
    ? `The deployment pipeline's principals: ${d.deployers.join(', ')}.`
    : 'No deployment pipeline principal was named for this report (--deployer), so no change is counted as the pipeline’s.';
  return section('changes', SECTION_TITLES.changes, EVIDENCE.changes, [
    para(
      'A change is a successful write call to an AWS API. Production is meant to change only through the deployment pipeline; a change to protected infrastructure by anyone else raises a drift alert and is listed below as out of band. ' +
        deployers,
    ),
    perDay(d),
    h3('Changes per principal'),
    tableOrNone(
      changesByPrincipal(d.queries['changes-by-principal'] ?? [], d.deployers),
      [
        { key: 'changed_by', header: 'Principal' },
        { key: 'role', header: 'Kind' },
        { key: 'changes', header: 'Changes', numeric: true },
        { key: 'out_of_band', header: 'Out of band', numeric: true },
      ],
      'No change was made in this period.',
    ),
    h3('Each out-of-band change'),
    tableOrNone(
      drift,
      [
        { key: 'alert_event_time', header: 'When (UTC)' },
        { key: 'alert_principal', header: 'Who' },
        { key: 'alert_resource', header: 'Resource' },
        { key: 'alert_summary', header: 'What' },
        { key: 'alert_event_id', header: 'Event id' },
        { key: 'alert_id', header: 'Record id (alert)' },
        { key: 'shard', header: 'Chain / position', format: (_v, r) => `${r.shard} / ${r.seq}` },
      ],
      'No out-of-band change was detected in this period.',
      'Drift alerts (query: drift-alerts)',
    ),
  ]);
}
