import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDbQueryEngine } from '../../../lib/query/duckdb-engine';
import { NAMED_QUERIES } from '../../../lib/query/named-queries';
import { RECORDS_COLUMNS } from '../../../lib/query/records-relation';
import type { QueryResult } from '../../../lib/query/types';
import type { NormalizedEvent } from '../../../lib/core/normalized';
import {
  A,
  ACCOUNT,
  ALICE,
  AMI,
  BOB,
  COVERAGE,
  DIGEST,
  E,
  IMAGE,
  INSTANCE,
  MEMBER_ACCOUNT,
  QUARANTINE,
  SG,
  TASK,
  buildScenario,
  type Scenario,
} from './scenario';

const objects = (r: QueryResult): Record<string, unknown>[] => r.rows.map((row) => Object.fromEntries(r.columns.map((c, i) => [c, row[i]])));
const column = (r: QueryResult, name: string): unknown[] => objects(r).map((o) => o[name]);
/** The day folder of a log file path; a file outside CloudTrail's layout counts on its record's commit day (the scenario commits coverage on 2026-03-02). */
const logDayOf = (logFile: string): string => /(\d{4})\/(\d{2})\/(\d{2})\/[^/]+$/.exec(logFile)?.slice(1).join('-') ?? '2026-03-02';
const ids = (...events: NormalizedEvent[]): string[] => events.map((e) => e.eventId);
const alertId = (d: (typeof A)[keyof typeof A]): string => (d.kind === 'alert' ? d.data.alert.id : '');

describe('named queries on DuckDB over a constructed archive', () => {
  let dir: string;
  let scenario: Scenario;
  let engine: DuckDbQueryEngine;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'immutrail-query-test-'));
    scenario = buildScenario();
    scenario.builder.writeTo(dir);
    // something under records/ that is not a batch object
    writeFileSync(join(dir, 'records', 'README.txt'), 'not a batch');
    // the verifier's orphan list names the tip orphan the SQL rule cannot decide on alone
    engine = await DuckDbQueryEngine.fromDirectory(dir, { orphanKeys: [scenario.tipGhost.key] });
  });

  afterAll(async () => {
    await engine?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('loads every batch object, skips the named orphan and reports foreign keys', () => {
    expect(engine.stats.objects).toBe(scenario.builder.objects.size - 1);
    expect(engine.stats.orphansSkipped).toBe(1);
    expect(engine.stats.foreignKeys).toEqual(['records/README.txt']);
  });

  it('exposes every records column', async () => {
    const r = await engine.run({ sql: 'SELECT * FROM records LIMIT 0' });
    expect(r.columns).toEqual(RECORDS_COLUMNS.map((c) => c.name));
  });

  it('counts each committed record once: middle orphan dropped by the link rule, tip copy deduplicated', async () => {
    const committedRecords = [...scenario.builder.objects.keys()]
      .filter((k) => ![scenario.middleOrphan.key, scenario.tipCopy.key, scenario.tipGhost.key].includes(k))
      .map((k) => scenario.builder.objects.get(k)!.trim().split('\n').length)
      .reduce((a, b) => a + b, 0);
    const r = await engine.run({ sql: 'SELECT count(*) AS n, count(DISTINCT id) AS distinct_ids FROM records' });
    expect(objects(r)).toEqual([{ n: committedRecords, distinct_ids: committedRecords }]);

    const policy = await engine.run({ sql: 'SELECT object_key FROM records WHERE event_id = :e', params: { e: E.alicePutsPolicy.eventId } });
    expect(policy.rows).toHaveLength(1);
    const mallory = await engine.run({ sql: 'SELECT count(*) AS n FROM records WHERE object_key = :k', params: { k: scenario.middleOrphan.key } });
    expect(objects(mallory)).toEqual([{ n: 0 }]);
  });

  it('flattens the record: location, actor, resources, raw event, partition date', async () => {
    const r = await engine.run({
      sql: `SELECT shard, seq, dt, kind, actor_arn, actor_session_issuer_arn, actor_console, read_only, raw_event, resources, record_ts IS NOT NULL AS has_ts
            FROM records WHERE event_id = :e`,
      params: { e: E.aliceOpensSg.eventId },
    });
    const [row] = objects(r);
    expect(row).toMatchObject({
      shard: 'api',
      seq: 1,
      dt: '2026-03-01',
      kind: 'event',
      actor_arn: ALICE.arn,
      actor_session_issuer_arn: ALICE.sessionIssuerArn,
      actor_console: false,
      read_only: false,
      has_ts: true,
    });
    expect(JSON.parse(row.raw_event as string)).toMatchObject({ eventID: E.aliceOpensSg.eventId, big: '12345678901234567890' });
    expect(row.resources).toEqual(E.aliceOpensSg.resources);
  });

  it('who-changed-resource: the two principals who changed the security group, not the reader, the failed call or the orphan', async () => {
    const r = await engine.run({ name: 'who-changed-resource', params: { resource: SG } });
    expect(column(r, 'event_id')).toEqual(ids(E.aliceOpensSg, E.bobModifiesSg));
    expect(column(r, 'principal')).toEqual([ALICE.arn, BOB.arn]);
    expect(column(r, 'shard')).toEqual(['api', 'api']);
  });

  it('who-changed-resource matches the resource ARN as well as its id', async () => {
    const r = await engine.run({ name: 'who-changed-resource', params: { resource: E.launch.resources[0].arn! } });
    expect(column(r, 'event_id')).toEqual(ids(E.launch, E.daveTerminates));
  });

  it('resource-timeline: the instance from launch to terminate, with its alert', async () => {
    const r = await engine.run({ name: 'resource-timeline', params: { resource: INSTANCE } });
    expect(column(r, 'what')).toEqual([
      'RunInstances',
      'alert: unsigned-launch',
      'EC2 Instance State-change Notification',
      'EC2 Instance State-change Notification',
      'TerminateInstances',
      'EC2 Instance State-change Notification',
      'EC2 Instance State-change Notification',
    ]);
    expect(column(r, 'state')).toEqual([null, null, 'pending', 'running', null, 'shutting-down', 'terminated']);
    expect(column(r, 'ref')).toEqual([
      E.launch.eventId,
      alertId(A.unsignedLaunch),
      E.pending.eventId,
      E.running.eventId,
      E.daveTerminates.eventId,
      E.shuttingDown.eventId,
      E.terminated.eventId,
    ]);
  });

  it('principal-activity: by role, by user name, and limited to a period', async () => {
    const byRole = await engine.run({ name: 'principal-activity', params: { principal: ALICE.sessionIssuerArn! } });
    expect(column(byRole, 'event_id')).toEqual(ids(E.aliceOpensSg, E.aliceCreatesKey, E.aliceReadsRole, E.alicePutsPolicy));
    const byName = await engine.run({ name: 'principal-activity', params: { principal: 'bob' } });
    expect(column(byName, 'event_id')).toEqual(ids(E.bobModifiesSg, E.bobDescribesSg));
    const firstDay = await engine.run({
      name: 'principal-activity',
      params: { principal: ALICE.arn!, from: '2026-03-01', to: '2026-03-01T12:00:00Z' },
    });
    expect(column(firstDay, 'event_id')).toEqual(ids(E.aliceOpensSg));
  });

  it('unsigned-launches: only the alerts of that kind inside the period', async () => {
    const march = await engine.run({ name: 'unsigned-launches', params: { from: '2026-03-01', to: '2026-04-01' } });
    expect(column(march, 'alert_id')).toEqual([alertId(A.unsignedLaunch)]);
    expect(column(march, 'alert_resource')).toEqual([INSTANCE]);
    const all = await engine.run({ name: 'unsigned-launches' });
    expect(column(all, 'alert_id')).toEqual([alertId(A.oldUnsignedLaunch), alertId(A.unsignedLaunch)]);
    // The older alert record has no account field: it still queries, with a null account.
    expect(column(all, 'alert_account')).toEqual([null, ACCOUNT]);
  });

  it('drift-alerts: the manual change to the security group', async () => {
    const r = await engine.run({ name: 'drift-alerts', params: { from: '2026-03-01T00:00:00Z', to: '2026-03-02T00:00:00Z' } });
    expect(column(r, 'alert_id')).toEqual([alertId(A.drift)]);
    expect(column(r, 'alert_principal')).toEqual([BOB.arn]);
  });

  it('failed-calls: the denied call, with its error', async () => {
    const r = await engine.run({ name: 'failed-calls', params: { from: '2026-03-01', to: '2026-03-02' } });
    expect(objects(r).map((o) => [o.event_id, o.error_code])).toEqual([[E.carolFailsOnSg.eventId, E.carolFailsOnSg.errorCode]]);
  });

  it('failed-calls: the period compares times as instants, whatever their precision', async () => {
    const after = await engine.run({ name: 'failed-calls', params: { from: '2026-03-01T10:07:00.251Z' } });
    expect(after.rows).toHaveLength(0);
    const at = await engine.run({ name: 'failed-calls', params: { from: '2026-03-01T10:07:00.250Z', to: '2026-03-01T10:07:00.251Z' } });
    expect(column(at, 'event_id')).toEqual(ids(E.carolFailsOnSg));
  });

  it('root-and-console-without-mfa: root login and console calls without MFA, not the MFA console user', async () => {
    const r = await engine.run({ name: 'root-and-console-without-mfa' });
    expect(objects(r).map((o) => [o.event_id, o.reason])).toEqual([
      [E.bobModifiesSg.eventId, 'console-without-mfa'],
      [E.bobDescribesSg.eventId, 'console-without-mfa'],
      [E.rootLogin.eventId, 'root'],
    ]);
  });

  it('iam-changes: IAM writes only', async () => {
    const r = await engine.run({ name: 'iam-changes' });
    expect(column(r, 'event_id')).toEqual(ids(E.aliceCreatesKey, E.alicePutsPolicy));
  });

  it('image-usage: which instance ran the AMI and which task ran the image digest', async () => {
    const all = await engine.run({ name: 'image-usage' });
    expect(objects(all).map((o) => [o.image, o.digest, o.ran_type, o.ran_id])).toEqual([
      [AMI, null, 'AWS::EC2::Instance', INSTANCE],
      [IMAGE, DIGEST, 'AWS::ECS::Task', TASK],
    ]);
    const byDigest = await engine.run({ name: 'image-usage', params: { image: DIGEST } });
    expect(column(byDigest, 'ran_id')).toEqual([TASK]);
    const byAmi = await engine.run({ name: 'image-usage', params: { image: AMI } });
    expect(column(byAmi, 'ran_id')).toEqual([INSTANCE]);
  });

  it('coverage-by-day: sums per log-file day', async () => {
    const r = await engine.run({ name: 'coverage-by-day' });
    const day = (d: string) => COVERAGE.filter((c) => logDayOf(c.logFile) === d);
    const expected = ['2026-03-01', '2026-03-02'].map((d) => ({
      log_day: d,
      log_files: day(d).length,
      total: day(d).reduce((a, c) => a + c.total, 0),
      archived: day(d).reduce((a, c) => a + c.archived, 0),
      recovered: day(d).reduce((a, c) => a + c.recovered, 0),
      skipped: day(d).reduce((a, c) => a + c.skipped, 0),
      digest_checked: day(d).filter((c) => c.digestSha256 !== null).length,
    }));
    expect(objects(r)).toEqual(expected);
    const second = await engine.run({ name: 'coverage-by-day', params: { from: '2026-03-02', to: '2026-03-03' } });
    expect(column(second, 'log_day')).toEqual(['2026-03-02']);
  });

  it('coverage-by-account: per account, region and day, older records read from their path, other files apart', async () => {
    const r = await engine.run({ name: 'coverage-by-account' });
    const key = (c: (typeof COVERAGE)[number]) => {
      // Older records lack the fields: the query reads them from the path, as this regex does.
      const m = /AWSLogs\/(?:o-[a-z0-9]+\/)?(\d{12})\/CloudTrail\/([a-z0-9-]+)\//.exec(c.logFile);
      return JSON.stringify(['account' in c ? c.account : (m?.[1] ?? null), 'region' in c ? c.region : (m?.[2] ?? null), logDayOf(c.logFile)]);
    };
    const groups = new Map<string, (typeof COVERAGE)[number][]>();
    for (const c of COVERAGE) groups.set(key(c), [...(groups.get(key(c)) ?? []), c]);
    const expected = [...groups].map(([k, cs]) => {
      const [account, region, log_day] = JSON.parse(k) as [string | null, string | null, string];
      return { account, region, log_day, log_files: cs.length, total: cs.reduce((a, c) => a + c.total, 0), recovered: cs.reduce((a, c) => a + c.recovered, 0) };
    });
    const order = (o: { account: string | null; region: string | null; log_day: string }) => `${o.account ?? '~'}|${o.region ?? '~'}|${o.log_day}`;
    expect(objects(r)).toEqual(expected.sort((a, b) => (order(a) < order(b) ? -1 : 1)));
    // The record written before account and region were named (file b) is counted with its account's day.
    expect(objects(r)[0]).toMatchObject({ account: ACCOUNT, region: 'us-east-1', log_day: '2026-03-01', log_files: 2 });
    expect(column(r, 'account')).toContain(MEMBER_ACCOUNT);
    expect(objects(r).at(-1)).toMatchObject({ account: null, region: null, log_files: 1 });
    const one = await engine.run({ name: 'coverage-by-account', params: { from: '2026-03-01', to: '2026-03-02' } });
    expect(column(one, 'log_day')).toEqual(['2026-03-01']);
  });

  it('quarantined: the quarantined delivery with its reason', async () => {
    const r = await engine.run({ name: 'quarantined' });
    expect(objects(r).map((o) => [o.id, o.quarantine_reason])).toEqual([[QUARANTINE.id, QUARANTINE.kind === 'quarantine' ? QUARANTINE.data.reason : '']]);
  });

  it('every named query runs with only its defaults or an example value', async () => {
    for (const q of NAMED_QUERIES) {
      const params = Object.fromEntries(q.parameters.filter((p) => p.default === undefined).map((p) => [p.name, p.example]));
      await expect(engine.run({ name: q.name, params }), q.name).resolves.toHaveProperty('columns');
    }
  });

  it('binds parameter values as data: quotes and SQL in a value match nothing', async () => {
    const injected = await engine.run({ name: 'who-changed-resource', params: { resource: `${SG}' OR '1'='1` } });
    expect(injected.rows).toHaveLength(0);
    const adhoc = await engine.run({ sql: 'SELECT count(*) AS n FROM records WHERE actor_user_name = :u', params: { u: "bob' OR 1=1 --" } });
    expect(objects(adhoc)).toEqual([{ n: 0 }]);
  });

  it('rejects unknown queries, unknown and missing parameters with typed errors', async () => {
    await expect(engine.run({ name: 'no-such-query' })).rejects.toMatchObject({ code: 'UNKNOWN_QUERY' });
    await expect(engine.run({ name: 'who-changed-resource' })).rejects.toMatchObject({ code: 'MISSING_PARAMETER' });
    await expect(engine.run({ name: 'iam-changes', params: { resource: 'x' } })).rejects.toMatchObject({ code: 'UNKNOWN_PARAMETER' });
    await expect(engine.run({ sql: 'SELECT * FROM nowhere' })).rejects.toMatchObject({ code: 'SQL_FAILED' });
  });

  it('ad-hoc SQL cannot reach the file system once the archive is loaded', async () => {
    await expect(engine.run({ sql: `SELECT * FROM read_text('${join(dir, 'records', 'README.txt')}')` })).rejects.toMatchObject({
      code: 'SQL_FAILED',
      message: expect.stringMatching(/disabled/i),
    });
  });
});

describe('orphans without the verifier', () => {
  it('a tip orphan holding records committed nowhere stays visible until the verifier names it (the documented limit)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'immutrail-query-test-'));
    try {
      const s = buildScenario();
      s.builder.writeTo(dir);
      const engine = await DuckDbQueryEngine.fromDirectory(dir);
      try {
        const eve = s.tipGhost.records[0].chain.id;
        const r = await engine.run({ sql: 'SELECT count(*) AS n FROM records WHERE id = :id', params: { id: eve } });
        expect(objects(r)).toEqual([{ n: 1 }]);
        const mallory = s.middleOrphan.records[0].chain.id;
        const m = await engine.run({ sql: 'SELECT count(*) AS n FROM records WHERE id = :id', params: { id: mallory } });
        expect(objects(m)).toEqual([{ n: 0 }]);
      } finally {
        await engine.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('loading', () => {
  it('an empty archive loads and answers with no rows', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'immutrail-query-test-'));
    try {
      const engine = await DuckDbQueryEngine.fromDirectory(dir);
      const r = await engine.run({ name: 'iam-changes' });
      expect(r.rows).toEqual([]);
      expect(engine.stats.records).toBe(0);
      await engine.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a line that is not one JSON object fails the load with its key and line number', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'immutrail-query-test-'));
    try {
      const s = buildScenario();
      const [key, body] = [...s.builder.objects][1];
      s.builder.objects.set(key, body.replace(/\n$/, ',"extra":1}\n'));
      s.builder.writeTo(dir);
      await expect(DuckDbQueryEngine.fromDirectory(dir)).rejects.toMatchObject({
        code: 'ARCHIVE_LINE_INVALID',
        message: expect.stringContaining(key),
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a closed engine refuses queries', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'immutrail-query-test-'));
    mkdirSync(join(dir, 'records'));
    try {
      const engine = await DuckDbQueryEngine.fromDirectory(dir);
      await engine.close();
      await expect(engine.run({ name: 'iam-changes' })).rejects.toMatchObject({ code: 'ENGINE_CLOSED' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('root-and-console-without-mfa and the CheckMfa step', () => {
  it('does not count the CheckMfa step of a sign-in as console activity without MFA (issue 17)', async () => {
    const { ArchiveBuilder, actor, event, eventDraft } = await import('./archive-fixture');
    // A console sign-in with MFA: CheckMfa comes first, from a session that has not passed MFA yet.
    const signingIn = actor({ type: 'IAMUser', arn: 'arn:aws:iam::111111111111:user/erin', userName: 'erin', console: true, mfa: false });
    const checkMfa = event({ eventTime: '2026-03-01T09:00:00Z', action: 'CheckMfa', service: 'signin', actor: signingIn });
    const noMfaCall = event({ eventTime: '2026-03-01T09:01:00Z', action: 'DescribeInstances', actor: signingIn, readOnly: true });
    const b = new ArchiveBuilder();
    b.commit(
      'api',
      '2026-03-01',
      [checkMfa, noMfaCall].map((e) => eventDraft(e)),
    );
    const d = mkdtempSync(join(tmpdir(), 'immutrail-query-checkmfa-'));
    b.writeTo(d);
    const eng = await DuckDbQueryEngine.fromDirectory(d);
    try {
      const r = await eng.run({ name: 'root-and-console-without-mfa' });
      expect(column(r, 'event_id')).toEqual([noMfaCall.eventId]);
    } finally {
      await eng.close();
      rmSync(d, { recursive: true, force: true });
    }
  });
});
