import { randomUUID } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { QueryCommand } from '@aws-sdk/client-dynamodb';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { DeleteMessageBatchCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { Command, CommanderError } from 'commander';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { clientConfig } from '../../lib/aws/client-config';
import { OUTBOX_PENDING } from '../../lib/aws/chain-store';
import { OUTBOX_INDEX } from '../../lib/contract/table-keys';
import { liveHeads } from '../../lib/aws/live-heads';
import { ENV } from '../../lib/contract/runtime-config';
import { registerBackfill } from '../../lib/cli/commands/backfill';
import type { BackfillDigestBody } from '../../lib/core/detect/backfill-digest';
import { subscribeAlertInbox } from '../../lib/local/alert-inbox';
import { UsageError } from '../../lib/cli/errors';
import { canonicalBytes } from '../../lib/core/canonical';
import { trustedKeyFromPem } from '../../lib/core/checkpoint';
import type { JsonObject } from '../../lib/core/json';
import { parseJson } from '../../lib/core/parse-json';
import type { AuditRecord, AuditRecordOf } from '../../lib/core/record';
import type { BackfillSummary } from '../../lib/cloudtrail/backfill';
import { coverageRecordId } from '../../lib/cloudtrail/reconcile';
import { readLogFile } from '../../lib/cloudtrail/log-file';
import { DuckDbQueryEngine } from '../../lib/query/duckdb-engine';
import { verifyArchive } from '../../lib/verify/verify-archive';
import { createTestArchive, type TestArchive } from '../support/archive-env';
import { useMoto } from '../support/moto';
import { FIXTURE_BUCKET_DIR, fixtureBody, manifest, recordTexts } from '../unit/cloudtrail/fixtures';

type Rec = JsonObject & { eventID: string; eventType: string; readOnly?: boolean };

const files = manifest.files.map((f) => ({ key: f.key, records: readLogFile(fixtureBody(f.key)).records as Rec[] }));
const all = files.flatMap((f) => f.records);
const writes = (r: Rec): boolean => r.readOnly === false && (r.eventType === 'AwsApiCall' || r.eventType === 'AwsConsoleSignIn');
const uniqueIds = (recs: Rec[]): string[] => [...new Set(recs.map((r) => r.eventID))];

/** Runs `immutrail backfill ...` as the CLI does: exit code, stdout, stderr (usage errors are one line, exit 2). */
async function backfillCli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const program = new Command('immutrail').exitOverride();
  registerBackfill(program);
  for (const c of program.commands) c.exitOverride().configureOutput({ writeErr: () => {}, writeOut: () => {} });
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((stdout += String(s)), true));
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((s) => ((stderr += String(s)), true));
  process.exitCode = undefined;
  try {
    await program.parseAsync(['backfill', ...args], { from: 'user' });
    return { code: typeof process.exitCode === 'number' ? process.exitCode : 0, stdout, stderr };
  } catch (e) {
    if (e instanceof UsageError) return { code: 2, stdout, stderr: stderr + `immutrail: ${e.message}\n` };
    if (e instanceof CommanderError) return { code: 2, stdout, stderr: stderr + e.message + '\n' };
    throw e;
  } finally {
    out.mockRestore();
    err.mockRestore();
    process.exitCode = undefined;
  }
}

async function archived(a: TestArchive): Promise<AuditRecord[]> {
  const out: AuditRecord[] = [];
  for await (const o of a.source.list('records/')) {
    for (const line of (await a.source.get(o.key)).toString('utf8').split('\n').filter(Boolean)) out.push(JSON.parse(line));
  }
  return out;
}

const eventRecords = (rs: AuditRecord[]) => rs.filter((r) => r.chain.kind === 'event') as AuditRecordOf<'event'>[];

describe('immutrail backfill on moto', () => {
  const moto = useMoto();
  const target = (a: TestArchive) => [
    '--bucket',
    a.bucket,
    '--table',
    a.table,
    '--origin',
    a.origin,
    '--endpoint',
    moto.target.endpoint!,
    '--region',
    moto.target.region,
  ];
  let work: string;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'immutrail-backfill-'));
    const s3 = new S3Client(clientConfig(moto.target));
    await s3.send(new CreateBucketCommand({ Bucket: manifest.trailBucket }));
    for (const key of [...manifest.files.map((f) => f.key), manifest.digest]) {
      await s3.send(new PutObjectCommand({ Bucket: manifest.trailBucket, Key: key, Body: fixtureBody(key) }));
    }
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));
  const emptyDir = () => {
    const d = join(work, 'empty', 'AWSLogs');
    mkdirSync(d, { recursive: true });
    writeFileSync(join(work, 'empty', 'notes.txt'), 'no log files here');
    return join(work, 'empty');
  };

  /** A folder with one log file of tampering and drift calls (stratus-red-team detonation events from the detector fixtures). */
  const tamperingDir = () => {
    const fx = (n: string) => JSON.parse(readFileSync(join(__dirname, '../unit/detect/fixtures/cloudtrail', `${n}.json`), 'utf8')) as JsonObject;
    const d = join(work, 'tampering');
    const day = join(d, 'AWSLogs/847129010505/CloudTrail/us-east-1/2024/07/31');
    mkdirSync(day, { recursive: true });
    const records = [
      fx('stratus-red-team-117-PutEventSelectors'),
      fx('stratus-red-team-116-DeleteTrail'),
      fx('stratus-red-team-118-StopLogging'),
      // A hand change to a security group: drift (no deployer is configured, every resource is immutable).
      fx('stratus-red-team-266-AuthorizeSecurityGroupIngress'),
    ];
    writeFileSync(join(day, '847129010505_CloudTrail_us-east-1_20240731T1250Z_aaaaaaaaaaaaaaaa.json.gz'), gzipSync(JSON.stringify({ Records: records })));
    return { dir: d, records };
  };

  it('archives the alerts of the events it imports, in the chain, without queueing them for publication', async () => {
    const a = await createTestArchive(moto.target);
    const { dir, records } = tamperingDir();
    const run = await backfillCli(['--dir', dir, '--json', '--no-progress', ...target(a)]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const s = JSON.parse(run.stdout) as BackfillSummary & { alerts: number; published: boolean };
    expect(s.archived).toBe(records.length);
    const alerts = (await archived(a)).filter((r) => r.chain.kind === 'alert') as AuditRecordOf<'alert'>[];
    const tampering = alerts.filter((r) => r.data.alert.kind === 'auditor-tampering');
    expect(tampering.map((r) => r.data.alert.details.action).sort()).toEqual([
      'cloudtrail:DeleteTrail',
      'cloudtrail:PutEventSelectors',
      'cloudtrail:StopLogging',
    ]);
    expect(s.alerts).toBe(alerts.length);
    expect(s.published).toBe(false);
    // Archived, not published: no outbox item waits for the sweep.
    const pending = await a.ddb.send(
      new QueryCommand({
        TableName: a.table,
        IndexName: OUTBOX_INDEX,
        KeyConditionExpression: 'outbox = :p',
        ExpressionAttributeValues: { ':p': { S: OUTBOX_PENDING } },
      }),
    );
    expect(pending.Items ?? []).toEqual([]);
    expect(run.stdout).not.toContain('skipped (not captured');
    // The audit queries read them from the archive like any other alert (issue 17: query drift-alerts shows them).
    const engine = await DuckDbQueryEngine.fromS3(new S3Client(clientConfig(moto.target)), a.bucket);
    try {
      for (const [query, kind] of [
        ['drift-alerts', 'drift'],
        ['auditor-tampering-alerts', 'auditor-tampering'],
      ] as const) {
        const rows = await engine.run({ name: query });
        const ids = rows.rows
          .map((r) => r[rows.columns.indexOf('alert_event_id')])
          .map(String)
          .sort();
        const expected = alerts
          .filter((r) => r.data.alert.kind === kind)
          .map((r) => String(r.data.alert.eventId))
          .sort();
        expect(expected.length, `${kind} alerts of the imported folder`).toBeGreaterThan(0);
        expect(ids).toEqual(expected);
      }
    } finally {
      await engine.close();
    }
  });

  /** An alert topic with a queue subscribed to it (as the demo's alert inbox), named to the CLI as the stack's ingest function would. */
  async function alertTopic(): Promise<{ received(): Promise<{ subject: string; body: BackfillDigestBody; type?: string }[]> }> {
    const sns = new SNSClient(clientConfig(moto.target));
    const sqs = new SQSClient(clientConfig(moto.target));
    const topicArn = (await sns.send(new CreateTopicCommand({ Name: `alerts-${randomUUID().slice(0, 8)}` }))).TopicArn!;
    const inbox = await subscribeAlertInbox(sns, sqs, { topicArn, queueName: `inbox-${randomUUID().slice(0, 8)}` });
    vi.stubEnv(ENV.alertTopicArn, topicArn);
    return {
      async received() {
        const out: { subject: string; body: BackfillDigestBody; type?: string }[] = [];
        for (;;) {
          const msgs = (await sqs.send(new ReceiveMessageCommand({ QueueUrl: inbox, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }))).Messages ?? [];
          if (msgs.length === 0) return out;
          for (const m of msgs) {
            const env = JSON.parse(m.Body!) as { Subject: string; Message: string; MessageAttributes?: Record<string, { Value: string }> };
            out.push({ subject: env.Subject, body: JSON.parse(env.Message) as BackfillDigestBody, type: env.MessageAttributes?.type?.Value });
          }
          await sqs.send(new DeleteMessageBatchCommand({ QueueUrl: inbox, Entries: msgs.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })) }));
        }
      },
    };
  }
  afterEach(() => vi.unstubAllEnvs());

  const alertRecords = async (a: TestArchive) => (await archived(a)).filter((r) => r.chain.kind === 'alert') as AuditRecordOf<'alert'>[];
  const pendingOutbox = async (a: TestArchive) =>
    (
      await a.ddb.send(
        new QueryCommand({
          TableName: a.table,
          IndexName: OUTBOX_INDEX,
          KeyConditionExpression: 'outbox = :p',
          ExpressionAttributeValues: { ':p': { S: OUTBOX_PENDING } },
        }),
      )
    ).Items ?? [];

  it('with --publish-alerts, publishes one digest per rule at the end, not through the outbox', async () => {
    const a = await createTestArchive(moto.target);
    const topic = await alertTopic();
    const { dir } = tamperingDir();
    const run = await backfillCli(['--dir', dir, '--publish-alerts', '--json', '--no-progress', ...target(a)]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const s = JSON.parse(run.stdout) as BackfillSummary;
    const alerts = await alertRecords(a);
    const perRule = new Map<string, number>();
    for (const r of alerts) perRule.set(r.data.alert.rule, (perRule.get(r.data.alert.rule) ?? 0) + 1);
    expect(alerts.filter((r) => r.data.alert.kind === 'auditor-tampering')).toHaveLength(3);
    expect(s).toMatchObject({ alerts: alerts.length, published: true, digestsPublished: perRule.size, publishFailed: 0 });
    // Fewer messages than alerts: the three trail calls share a rule.
    expect(perRule.size).toBeLessThan(alerts.length);

    const got = await topic.received();
    expect(got.map((m) => m.body.rule).sort()).toEqual([...perRule.keys()].sort());
    for (const m of got) {
      const ofRule = alerts.filter((r) => r.data.alert.rule === m.body.rule).map((r) => r.data.alert);
      expect(m.type).toBe('backfill-digest');
      const accounts = [...new Set(ofRule.map((x) => x.account!))].sort();
      const days = ofRule.map((x) => x.eventTime.slice(0, 10)).sort();
      const severities = ['low', 'medium', 'high', 'critical'];
      const highest = severities[Math.max(...ofRule.map((x) => severities.indexOf(x.severity)))];
      expect(m.body).toMatchObject({ type: 'backfill-digest', count: ofRule.length, accounts, severity: highest, kind: ofRule[0].kind, notListed: 0 });
      expect(m.body.alerts.map((x) => x.alertId).sort()).toEqual(ofRule.map((x) => x.id).sort());
      expect(m.body.alerts.map((x) => x.eventId).sort()).toEqual(ofRule.map((x) => x.eventId).sort());
      // The rule is cut only when the line would pass SNS's limit (a Sigma UUID); count, accounts and days always show.
      const where = accounts.length === 1 ? accounts[0] : `${accounts.length} accounts`;
      const tail = ` alerts in ${where} ${days[0]}..${days[days.length - 1]}`;
      const full = `[immutrail] backfill: ${ofRule.length} ${m.body.rule}${tail}`;
      if (full.length < 100) expect(m.subject).toBe(full);
      else expect(m.subject.startsWith(`[immutrail] backfill: ${ofRule.length} `) && m.subject.endsWith(`...${tail}`), m.subject).toBe(true);
      expect(m.subject.length).toBeLessThan(100);
    }
    // Published by the backfill itself: nothing waits in the outbox for the stack's sweep to send again one by one.
    expect(await pendingOutbox(a)).toEqual([]);
  });

  it('without --publish-alerts, publishes nothing even with a topic configured', async () => {
    const a = await createTestArchive(moto.target);
    const topic = await alertTopic();
    const { dir } = tamperingDir();
    const run = await backfillCli(['--dir', dir, '--json', '--no-progress', ...target(a)]);
    expect(run.code).toBe(0);
    const s = JSON.parse(run.stdout) as BackfillSummary;
    expect(s.alerts).toBeGreaterThan(0);
    expect(s).toMatchObject({ published: false, digestsPublished: 0, publishFailed: 0 });
    expect(await alertRecords(a)).toHaveLength(s.alerts);
    expect(await topic.received()).toEqual([]);
    expect(await pendingOutbox(a)).toEqual([]);
  });

  it('reports digests the topic refuses and exits 1, the alerts archived all the same', async () => {
    const a = await createTestArchive(moto.target);
    vi.stubEnv(ENV.alertTopicArn, `arn:aws:sns:${moto.target.region}:123456789012:no-such-topic`);
    const { dir } = tamperingDir();
    const run = await backfillCli(['--dir', dir, '--publish-alerts', '--no-progress', ...target(a)]);
    expect(run.code).toBe(1);
    const alerts = await alertRecords(a);
    const rules = new Set(alerts.map((r) => r.data.alert.rule)).size;
    expect(alerts.length).toBeGreaterThan(0);
    expect(run.stdout).toContain(`not published  ${rules} digest(s) refused by the topic`);
    expect(run.stderr).toMatch(
      new RegExp(`^immutrail: ${rules} of ${rules} alert digest\\(s\\) not published \\(.+\\); the alerts are archived in the chain\\n$`),
    );
  });

  it('refuses --publish-alerts without an alert topic, before importing anything', async () => {
    const a = await createTestArchive(moto.target);
    vi.stubEnv(ENV.alertTopicArn, '');
    const run = await backfillCli(['--dir', tamperingDir().dir, '--publish-alerts', '--no-progress', ...target(a)]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--publish-alerts needs the alert topic/);
    expect(await archived(a)).toEqual([]);
  });

  it('imports every captured event of a folder once, and nothing more on a second run', async () => {
    const a = await createTestArchive(moto.target);
    const first = await backfillCli(['--dir', FIXTURE_BUCKET_DIR, '--json', '--no-progress', ...target(a)]);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    const s1 = JSON.parse(first.stdout) as BackfillSummary;
    const captured = all.filter(writes);
    expect(s1).toMatchObject({
      files: files.length,
      events: all.length,
      archived: uniqueIds(captured).length,
      // The record delivered in two files is imported once.
      alreadyThere: captured.length - uniqueIds(captured).length,
      quarantined: 0,
      skipped: all.length - captured.length,
      unreadable: [],
    });
    expect(s1.alreadyThere).toBe(1);
    const records = await archived(a);
    expect(
      eventRecords(records)
        .map((r) => r.chain.id)
        .sort(),
    ).toEqual(uniqueIds(captured).sort());
    expect(eventRecords(records).every((r) => r.data.via.channel === 'backfill')).toBe(true);
    // Local files get coverage records too (named by their content), so coverage-by-day sees a local import.
    const coverage = records.filter((r) => r.chain.kind === 'coverage');
    expect(coverage.map((r) => (r.data as { logFile: string }).logFile).sort()).toEqual(files.map((f) => f.key).sort());
    expect(coverage.every((r) => r.chain.id.startsWith('coverage:local/'))).toBe(true);

    const second = await backfillCli(['--dir', FIXTURE_BUCKET_DIR, '--json', '--no-progress', ...target(a)]);
    expect(second.code).toBe(0);
    expect(JSON.parse(second.stdout)).toMatchObject({ archived: 0, alreadyThere: captured.length, skipped: all.length - captured.length });
    expect(await archived(a)).toEqual(records);

    const report = await verifyArchive(a.source, {
      keys: [trustedKeyFromPem(a.origin, a.signer.publicKeyPem())],
      checkDuplicates: true,
      heads: await liveHeads(a.store),
    });
    expect(report.problems).toEqual([]);
    expect(report.ok).toBe(true);
  });

  it('keeps errorCode, null fields, non-ASCII text and large parameters byte for byte in raw', async () => {
    const a = await createTestArchive(moto.target);
    expect((await backfillCli(['--dir', FIXTURE_BUCKET_DIR, '--json', '--no-progress', ...target(a)])).code).toBe(0);
    const texts = recordTexts();
    const byId = new Map(eventRecords(await archived(a)).map((r) => [r.chain.id, r]));
    const captured = uniqueIds(all.filter(writes));
    const withError = captured.filter((id) => typeof (JSON.parse(texts.get(id)!) as Rec).errorCode === 'string');
    const withNull = captured.filter((id) => (JSON.parse(texts.get(id)!) as Rec).requestParameters === null);
    const nonAscii = captured.filter((id) => /[^\x00-\x7f]/.test(texts.get(id)!));
    const large = captured.filter((id) => JSON.stringify((JSON.parse(texts.get(id)!) as Rec).requestParameters).length > 50_000);
    const noResources = captured.filter((id) => !('resources' in (JSON.parse(texts.get(id)!) as Rec)));
    for (const [what, ids] of Object.entries({ withError, withNull, nonAscii, large, noResources })) expect(ids.length, what).toBeGreaterThan(0);
    for (const id of captured) {
      const record = byId.get(id)!;
      const original = parseJson(texts.get(id)!);
      expect(record.data.raw, id).toEqual(original);
      expect(canonicalBytes(record.data.raw).equals(canonicalBytes(original)), id).toBe(true);
    }
    for (const id of withError) expect(byId.get(id)!.data.event.errorCode).toBe((JSON.parse(texts.get(id)!) as Rec).errorCode);
    for (const id of noResources) expect('resources' in (byId.get(id)!.data.raw as JsonObject)).toBe(false);
    const tags = JSON.stringify(byId.get(nonAscii[0])!.data.raw);
    expect(tags).toMatch(/東京-本番|Kostenstelle ÄÖÜ ß/);
  });

  it('imports from an S3 prefix, checks CloudTrail digests and records coverage', async () => {
    const a = await createTestArchive(moto.target);
    const prefix = 'AWSLogs/309303190113/';
    const run = await backfillCli(['--source-bucket', manifest.trailBucket, '--prefix', prefix, '--json', '--no-progress', ...target(a)]);
    expect(run.code).toBe(0);
    const s = JSON.parse(run.stdout) as BackfillSummary;
    const inPrefix = files.filter((f) => f.key.startsWith(prefix));
    expect(s).toMatchObject({
      source: `s3://${manifest.trailBucket}/${prefix}`,
      files: inPrefix.length,
      digestsVerified: inPrefix.length,
      digestMismatches: [],
    });
    const coverage = (await archived(a)).filter((r) => r.chain.kind === 'coverage');
    expect(coverage.map((r) => r.chain.id).sort()).toEqual(inPrefix.map((f) => coverageRecordId(manifest.trailBucket, f.key)).sort());
    for (const c of coverage) expect((c.data as { digestSha256: string | null }).digestSha256).toMatch(/^[0-9a-f]{64}$/);
    const again = await backfillCli(['--source-bucket', manifest.trailBucket, '--prefix', prefix, '--json', '--no-progress', ...target(a)]);
    expect(JSON.parse(again.stdout)).toMatchObject({ archived: 0 });
  });

  it('imports read-only calls too when asked', async () => {
    const a = await createTestArchive(moto.target);
    const run = await backfillCli(['--dir', FIXTURE_BUCKET_DIR, '--capture-read-only', '--shard', 'calls', '--json', '--no-progress', ...target(a)]);
    expect(run.code).toBe(0);
    const apiCalls = all.filter((r) => r.eventType === 'AwsApiCall' || r.eventType === 'AwsConsoleSignIn');
    const records = eventRecords(await archived(a));
    expect(records.map((r) => r.chain.id).sort()).toEqual(uniqueIds(apiCalls).sort());
    expect(new Set(records.map((r) => r.chain.shard))).toEqual(new Set(['calls']));
  });

  it('imports what it can and exits 1 when a file cannot be read', async () => {
    const a = await createTestArchive(moto.target);
    const dir = join(work, 'mixed');
    cpSync(join(FIXTURE_BUCKET_DIR, manifest.files[2].key), join(dir, 'good.json.gz'));
    writeFileSync(join(dir, 'broken.json.gz'), Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x01, 0x02]));
    writeFileSync(join(dir, 'README.txt'), 'not a log file');
    const run = await backfillCli(['--dir', dir, '--no-progress', ...target(a)]);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('files          2 (1 unreadable)');
    expect(run.stdout).toMatch(/unreadable: broken\.json\.gz: LOG_FILE_CORRUPT/);
    expect(
      eventRecords(await archived(a))
        .map((r) => r.chain.id)
        .sort(),
    ).toEqual(uniqueIds(files[2].records.filter(writes)).sort());
  });

  it('rejects bad arguments with one line and exit 2', async () => {
    const a = await createTestArchive(moto.target);
    const cases: [string[], RegExp][] = [
      [[...target(a)], /give --dir <folder> or --source-bucket/],
      [['--dir', FIXTURE_BUCKET_DIR, '--source-bucket', 'b', ...target(a)], /not both/],
      [['--dir', FIXTURE_BUCKET_DIR, '--prefix', 'AWSLogs/', ...target(a)], /--prefix goes with --source-bucket/],
      [['--dir', join(work, 'nope'), ...target(a)], /is not a folder/],
      [['--dir', emptyDir(), ...target(a)], /holds no CloudTrail log files/],
      [['--dir', FIXTURE_BUCKET_DIR, '--bucket', a.bucket, '--table', a.table, '--endpoint', moto.target.endpoint!], /missing --origin/],
      [['--dir', FIXTURE_BUCKET_DIR, '--shard', 'Not A Shard', ...target(a)], /--shard/],
      [['--dir', FIXTURE_BUCKET_DIR, ...target(a), '--retention-days', 'ten'], /--retention-days must be a whole number/],
    ];
    for (const [args, message] of cases) {
      const run = await backfillCli(args);
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stderr).toMatch(message);
      expect(run.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
    }
    expect(await archived(a)).toEqual([]);
  });
});
