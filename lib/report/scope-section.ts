import { EVIDENCE, SECTION_TITLES } from './control-map';
import { facts, para, section, tableOrNone, type Html } from './html';
import type { ReportData } from './types';

/**
 * Who outside the account cosigned the shard checkpoints (issue 15). Without
 * witness keys the report checked none, and says so rather than implying that
 * none exist.
 */
function witnessesFact(d: ReportData): string {
  if (!d.witnesses) return 'not checked: the report was given no witness key (--witness-key)';
  const w = d.witnesses[0];
  if (!w) return 'none given';
  const verdict = w.passed ? 'passed' : 'FAILED';
  return `${d.witnesses.length} given; verify with them ${verdict} (each shard's newest checkpoint needs ${w.required} valid cosignature(s)); see the table below`;
}

/** One row per witness given: its key, the newest size it cosigned on each shard, and the verifier's verdict. */
function witnessTable(d: ReportData): Html {
  if (!d.witnesses) return '';
  const rows = d.witnesses.map((w) => ({
    name: w.name,
    keyId: w.keyId,
    shards: w.shards.map((s) => `${s.shard} ${s.size}`).join(', ') || 'none',
    verify: w.passed ? 'passed' : 'FAILED',
  }));
  return tableOrNone(
    rows,
    [
      { key: 'name', header: 'Witness (key name)' },
      { key: 'keyId', header: 'Key ID' },
      { key: 'shards', header: 'Newest cosigned size per shard' },
      { key: 'verify', header: 'Verify with the witnesses' },
    ],
    'No witness key was given.',
    'Witnesses whose cosignatures (C2SP cosignature/v1) the report checked',
  );
}

/** What the report covers: which accounts, regions and chains, which days, and which key signs the checkpoints. */
export function renderScope(d: ReportData): Html {
  const activity = d.queries['activity-by-account'] ?? [];
  const coverage = d.queries['coverage-by-account'] ?? [];
  const accounts = new Set([...activity, ...coverage].map((r) => r.account).filter((a): a is string => typeof a === 'string' && a !== ''));
  const regions = new Set([...activity, ...coverage].map((r) => r.region).filter((a): a is string => typeof a === 'string' && a !== ''));
  return section('scope', SECTION_TITLES.scope, EVIDENCE.scope, [
    para(
      'This report was produced from an immutrail archive: a tamper-evident copy of an AWS audit log (CloudTrail). Every record is linked to the one before it by a cryptographic hash, ' +
        'records are stored write-once, and at regular intervals a signed checkpoint fixes the whole archive, so that removing or changing any record afterwards is detectable by anyone holding the public key below.',
    ),
    facts([
      ['Period (UTC, inclusive)', `${d.period.from} to ${d.period.to}`],
      ['Archive read from', d.source],
      ['Report generated', d.generatedAt],
      ['Accounts', accounts.size ? [...accounts].sort().join(', ') : 'none seen in the period'],
      ['Regions', regions.size ? [...regions].sort().join(', ') : 'none seen in the period'],
      ['Chains (shards)', d.verify.shards.map((s) => s.shard).join(', ') || 'none'],
      ['Signing key fingerprint (SHA-256 of the public key)', d.keyFingerprint],
      [
        'Queries run on',
        d.athena ? `Amazon Athena (workgroup ${d.athena.workGroup}, Glue database ${d.athena.database})` : 'DuckDB, over the archive read above',
      ],
      ['Witnesses', witnessesFact(d)],
    ]),
    witnessTable(d),
    tableOrNone(
      activity,
      [
        { key: 'account', header: 'Account' },
        { key: 'region', header: 'Region' },
        { key: 'events', header: 'Events archived', numeric: true },
      ],
      'No events were archived in this period.',
      'Events archived per account and region (query: activity-by-account)',
    ),
  ]);
}
