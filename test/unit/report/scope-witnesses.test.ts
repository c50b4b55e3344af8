import { describe, expect, it } from 'vitest';
import { renderReport } from '../../../lib/report/render';
import type { WitnessSummary } from '../../../lib/report/types';
import { reportData } from './fixture';
import { parseReport } from './html-checks';

const witness = (over: Partial<WitnessSummary> = {}): WitnessSummary => ({
  name: 'witness.example/w1',
  keyId: '0a1b2c3d',
  shards: [
    { shard: 'api', size: 633 },
    { shard: 'ec2', size: 3 },
  ],
  required: 1,
  passed: true,
  ...over,
});

const scope = (witnesses?: WitnessSummary[]) => parseReport(renderReport(reportData(witnesses ? { witnesses } : {}))).querySelector('#scope')!;

describe('Scope: the witnesses the report checked', () => {
  it('without --witness-key it says witnesses were not checked, and lists none', () => {
    const s = scope();
    expect(s.text).toContain('not checked: the report was given no witness key (--witness-key)');
    expect(s.text).not.toContain('Newest cosigned size per shard');
  });

  it('lists each witness with its key ID, the newest size it cosigned per shard, and the verdict', () => {
    const s = scope([witness(), witness({ name: 'w2 <b>', keyId: 'ffeeddcc', shards: [] })]);
    expect(s.text).toContain('2 given; verify with them passed');
    const rows = s.querySelectorAll('tbody tr').map((r) => r.querySelectorAll('td').map((td) => td.text));
    expect(rows).toContainEqual(['witness.example/w1', '0a1b2c3d', 'api 633, ec2 3', 'passed']);
    expect(rows).toContainEqual(['w2 <b>', 'ffeeddcc', 'none', 'passed']);
  });

  it('a failed witness check shows as FAILED, with the number of cosignatures each newest checkpoint needed', () => {
    const s = scope([witness({ passed: false, required: 2 }), witness({ name: 'w2', passed: false, required: 2 })]);
    expect(s.text).toContain("verify with them FAILED (each shard's newest checkpoint needs 2 valid cosignature(s))");
    expect(s.querySelectorAll('tbody tr').filter((r) => r.text.includes('FAILED'))).toHaveLength(2);
  });
});
