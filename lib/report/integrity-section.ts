import { barChart } from './bar-chart';
import { EVIDENCE, SECTION_TITLES } from './control-map';
import { esc } from './escape';
import { facts, h3, para, section, table, tableOrNone, type Html } from './html';
import type { CheckpointPoint, ReportData } from './types';

/** Checkpoints further apart than this leave records unsealed for too long: highlighted as gaps. */
export const CHECKPOINT_GAP_MINUTES = 15;

export interface CheckpointInterval {
  /** Time of the later checkpoint. */
  at: string;
  minutes: number;
}

/** Minutes from each checkpoint to the next, oldest first. */
export function checkpointIntervals(points: readonly CheckpointPoint[]): CheckpointInterval[] {
  const sorted = [...points].sort((a, b) => Date.parse(a.time) - Date.parse(b.time));
  return sorted.slice(1).map((c, i) => ({ at: c.time, minutes: (Date.parse(c.time) - Date.parse(sorted[i].time)) / 60_000 }));
}

function verifyResult(d: ReportData): Html {
  const v = d.verify;
  const verdict = v.ok
    ? `<p class="ok-text">Verified: every record, every link between records and every checkpoint signature checks out.</p>`
    : `<p class="warn-text">Verification FAILED with ${v.problems.length} problem(s): the archive does not match its signed checkpoints or its own hash chain.</p>`;
  const problems = v.problems.length
    ? table(
        v.problems.map((p) => ({
          code: p.code,
          where: [p.shard && `shard ${p.shard}`, p.seq !== undefined && `seq ${p.seq}`, p.key].filter(Boolean).join(', '),
          message: p.message,
        })),
        [
          { key: 'code', header: 'Problem' },
          { key: 'where', header: 'Where' },
          { key: 'message', header: 'Detail' },
        ],
        'Problems found by the verifier',
      )
    : '';
  return [
    verdict,
    facts([
      ['Records checked', String(v.records)],
      ['Storage objects read', String(v.objects)],
      ['Checkpoints with a valid signature', `${v.checkpoints.valid} of ${v.checkpoints.count}`],
      ['Newest checkpoint', v.checkpoints.latest ? `${v.checkpoints.latest.time}, covering ${v.checkpoints.latest.size} records` : 'none'],
    ]),
    problems,
  ].join('\n');
}

function cadence(d: ReportData): Html {
  const intervals = checkpointIntervals(d.checkpoints);
  const gaps = intervals.filter((i) => i.minutes > CHECKPOINT_GAP_MINUTES).length;
  return [
    h3('Checkpoints that seal the period'),
    para(
      `${d.checkpoints.length} signed checkpoint(s) seal the period: those signed in it and the first one after it. A checkpoint seals every record written before it; ` +
        `the chart shows the time between consecutive checkpoints, with gaps over ${CHECKPOINT_GAP_MINUTES} minutes in the warning colour (${gaps} such gap(s)).`,
    ),
    barChart({
      id: 'checkpoint-cadence',
      title: 'Minutes between consecutive checkpoints',
      description: `${intervals.length} interval(s) between checkpoints; ${gaps} longer than ${CHECKPOINT_GAP_MINUTES} minutes.`,
      labelHeader: 'Checkpoint time (UTC)',
      valueHeader: 'Minutes since the previous checkpoint',
      points: intervals.map((i) => ({
        label: i.at.slice(0, 16).replace('T', ' '),
        value: Math.round(i.minutes * 10) / 10,
        warn: i.minutes > CHECKPOINT_GAP_MINUTES,
      })),
      threshold: { value: CHECKPOINT_GAP_MINUTES, label: String(CHECKPOINT_GAP_MINUTES) },
      warnText: `gap over ${CHECKPOINT_GAP_MINUTES} minutes`,
    }),
  ].join('\n');
}

function sealing(d: ReportData): Html {
  const rows = d.verify.shards.map((s) => ({ shard: s.shard, records: s.records, sealed: s.sealed, unsealed: Math.max(0, s.records - s.sealed) }));
  const unsealed = rows.reduce((n, r) => n + r.unsealed, 0);
  return [
    h3('Records sealed and not yet sealed'),
    para(
      unsealed === 0
        ? 'Every record is covered by a signed checkpoint.'
        : `${unsealed} record(s) were written after the newest checkpoint and are not yet sealed; the next checkpoint seals them.`,
    ),
    tableOrNone(
      rows,
      [
        { key: 'shard', header: 'Chain (shard)' },
        { key: 'records', header: 'Records', numeric: true },
        { key: 'sealed', header: 'Sealed by a checkpoint', numeric: true },
        { key: 'unsealed', header: 'Not yet sealed', numeric: true },
      ],
      'The archive holds no chains.',
    ),
  ].join('\n');
}

export function renderIntegrity(d: ReportData): Html {
  return section('integrity', SECTION_TITLES.integrity, EVIDENCE.integrity, [
    `<p>The verifier re-computed every record's hash, followed every chain from its first record, and checked every checkpoint's signature with the key fingerprinted above, reading the archive at ${esc(d.source)}.</p>`,
    verifyResult(d),
    cadence(d),
    sealing(d),
  ]);
}
