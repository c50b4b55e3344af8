import type { VerifyReport } from '../../../lib/verify/verify-archive';
import type { ReportData } from '../../../lib/report/types';

/** Report data as gather.ts would return it for a small archive of three days, the middle one without log files. */
export function reportData(over: Partial<ReportData> = {}): ReportData {
  const verify: VerifyReport = {
    ok: true,
    source: '/archive',
    records: 12,
    objects: 4,
    bytes: 9000,
    shards: [
      { shard: 'acct-111122223333', records: 10, objects: 3, orphans: 0, head: 'ab'.repeat(32), sealed: 10 },
      { shard: 'ops', records: 2, objects: 1, orphans: 0, head: 'cd'.repeat(32), sealed: 1 },
    ],
    checkpoints: { count: 3, valid: 3, latest: { size: 11, time: '2026-11-21T10:40:00Z', root: 'ef'.repeat(32) } },
    problems: [],
    notices: [],
    durationMs: 12,
  };
  return {
    period: { from: '2026-11-19', to: '2026-11-21' },
    generatedAt: '2026-11-22T00:00:00.000Z',
    source: '/archive',
    keyFingerprint: '01:02:03',
    verify,
    checkpoints: [
      { time: '2026-11-21T10:00:00Z', size: 5 },
      { time: '2026-11-21T10:10:00Z', size: 8 },
      { time: '2026-11-21T10:40:00Z', size: 11 },
    ],
    deployers: ['arn:aws:iam::*:role/deploy-*'],
    queries: {
      'activity-by-account': [{ account: '111122223333', region: 'eu-west-1', events: 9 }],
      'coverage-by-day': [
        { log_day: '2026-11-19', log_files: 2, total: 10, archived: 9, recovered: 1, skipped: 0, digest_checked: 2 },
        { log_day: '2026-11-21', log_files: 1, total: 4, archived: 4, recovered: 0, skipped: 0, digest_checked: 0 },
      ],
      'coverage-by-account': [
        { account: '111122223333', region: 'eu-west-1', log_day: '2026-11-19', log_files: 2, total: 10, recovered: 1 },
        { account: '111122223333', region: 'eu-west-1', log_day: '2026-11-21', log_files: 1, total: 4, recovered: 0 },
      ],
      'changes-by-principal': [
        { change_day: '2026-11-19', changed_by: 'arn:aws:iam::111122223333:role/deploy-pipeline', changes: 3, out_of_band: 0 },
        { change_day: '2026-11-21', changed_by: 'arn:aws:iam::111122223333:role/Admin', changes: 2, out_of_band: 1 },
      ],
      'drift-alerts': [
        {
          alert_event_time: '2026-11-21T10:05:00Z',
          alert_severity: 'high',
          alert_account: '111122223333',
          alert_summary: 'manual change <script>',
          alert_principal: 'arn:aws:iam::111122223333:role/Admin',
          alert_resource: 'sg-1',
          alert_rule: 'drift',
          alert_event_id: 'evt-drift',
          alert_id: 'alert-1',
          shard: 'acct-111122223333',
          seq: 7,
        },
      ],
      'launch-signing': [
        { launched_at: '2026-11-21T10:06:00Z', image: 'ami-1', ran_type: 'AWS::EC2::Instance', ran_id: 'i-1', signing: 'unsigned' },
        { launched_at: '2026-11-21T10:07:00Z', image: 'repo@sha256:aa', ran_type: 'AWS::ECS::Task', ran_id: 'task-1', signing: 'signed' },
      ],
      'unsigned-launches': [],
      'auditor-tampering-alerts': [],
      'alerts-by-day': [
        { alert_day: '2026-11-21', alert_kind: 'drift', alert_severity: 'high', alerts: 1 },
        { alert_day: '2026-11-21', alert_kind: 'unsigned-launch', alert_severity: 'critical', alerts: 1 },
      ],
    },
    ...over,
  };
}
