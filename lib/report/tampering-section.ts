import { EVIDENCE, SECTION_TITLES } from './control-map';
import { para, section, tableOrNone, type Html } from './html';
import type { ReportData } from './types';

export function renderTampering(d: ReportData): Html {
  const rows = d.queries['auditor-tampering-alerts'] ?? [];
  return section('tampering', SECTION_TITLES.tampering, EVIDENCE.tampering, [
    para(
      'Calls that would weaken the audit trail itself (stopping or deleting a trail, changing the archive bucket, the signing key, the event rules or the functions that feed the archive) raise an alert. ' +
        `${rows.length} such attempt(s) in the period.`,
    ),
    tableOrNone(
      rows,
      [
        { key: 'alert_event_time', header: 'When (UTC)' },
        { key: 'alert_severity', header: 'Severity' },
        { key: 'alert_principal', header: 'Who' },
        { key: 'alert_resource', header: 'Target' },
        { key: 'alert_summary', header: 'What' },
        { key: 'alert_id', header: 'Record id (alert)' },
      ],
      'No attempt to tamper with the audit trail was detected in this period.',
      'Tampering alerts (query: auditor-tampering-alerts)',
    ),
  ]);
}
