import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDbQueryEngine } from '../../../lib/query/duckdb-engine';
import { busiestPeriod, reportColumns, runReportQueries } from '../../../lib/report/gather';
import type { Row } from '../../../lib/report/types';
import { AMI, E, IMAGE, INSTANCE, TASK, buildScenario } from '../query/scenario';

/** The report's named queries over the query tests' constructed archive, whose answers follow from its events. */
describe("the report's named queries on DuckDB", () => {
  let dir: string;
  let engine: DuckDbQueryEngine;
  let rows: Record<string, Row[]>;
  let scenario: ReturnType<typeof buildScenario>;
  const period = { from: '2026-03-01', to: '2026-03-03' };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'immutrail-report-queries-'));
    scenario = buildScenario();
    scenario.builder.writeTo(dir);
    engine = await DuckDbQueryEngine.fromDirectory(dir, { orphanKeys: [scenario.tipGhost.key] });
    rows = await runReportQueries(engine, period);
  });

  afterAll(async () => {
    await engine?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('changes-by-principal: successful writes per day and role or actor, the hand change counted out of band', () => {
    const iam = 'arn:aws:iam::111111111111:';
    expect(rows['changes-by-principal']).toEqual([
      { change_day: '2026-03-01', changed_by: `${iam}role/Admin`, changes: 2, out_of_band: 0 },
      { change_day: '2026-03-01', changed_by: `${iam}role/Deployer`, changes: 1, out_of_band: 0 },
      { change_day: '2026-03-01', changed_by: `${iam}root`, changes: 1, out_of_band: 0 },
      { change_day: '2026-03-01', changed_by: `${iam}user/bob`, changes: 1, out_of_band: 1 },
      { change_day: '2026-03-02', changed_by: `${iam}user/dave`, changes: 1, out_of_band: 0 },
      { change_day: '2026-03-03', changed_by: `${iam}role/Admin`, changes: 1, out_of_band: 0 },
    ]);
  });

  it('launch-signing: the attested image is signed, the AMI nobody attested is not', () => {
    expect(rows['launch-signing']).toEqual([
      { launched_at: E.launch.eventTime, image: AMI, ran_type: 'AWS::EC2::Instance', ran_id: INSTANCE, signing: 'unsigned' },
      { launched_at: E.taskRunning.eventTime, image: IMAGE, ran_type: 'AWS::ECS::Task', ran_id: TASK, signing: 'signed' },
    ]);
  });

  it('alerts-by-day: the period holds the drift and one unsigned launch, not the older alert', () => {
    expect(rows['alerts-by-day']).toEqual([
      { alert_day: '2026-03-01', alert_kind: 'drift', alert_severity: 'high', alerts: 1 },
      { alert_day: '2026-03-01', alert_kind: 'unsigned-launch', alert_severity: 'high', alerts: 1 },
    ]);
  });

  it('activity-by-account: every committed event, orphans left out', () => {
    expect(rows['activity-by-account']).toEqual([{ account: '111111111111', region: 'us-east-1', events: 15 }]);
  });

  it('auditor-tampering-alerts: none in this archive', () => {
    expect(rows['auditor-tampering-alerts']).toEqual([]);
  });

  it('the busiest period: the window with the most events, ending on a day with events', async () => {
    // events: 2026-03-01 x12, 03-02 x3, 03-03 x1
    expect(await busiestPeriod(engine)).toEqual({ from: '2026-03-01', to: '2026-03-03' });
    expect(await busiestPeriod(engine, 1)).toEqual({ from: '2026-03-01', to: '2026-03-01' });
    expect(await busiestPeriod(engine, 2)).toEqual({ from: '2026-03-01', to: '2026-03-02' });
  });

  it("gives the same rows on a load of only the report's columns (what `immutrail report` loads)", async () => {
    const lean = await DuckDbQueryEngine.fromDirectory(dir, { orphanKeys: [scenario.tipGhost.key], columns: reportColumns() });
    try {
      expect(await runReportQueries(lean, period)).toEqual(rows);
      expect(await busiestPeriod(lean)).toEqual(await busiestPeriod(engine));
    } finally {
      await lean.close();
    }
  });
});
