import type { Command } from 'commander';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { clientConfig } from '../../aws/client-config';
import { writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { DEMO_DEPLOYERS, runDemo, type DemoSummary } from '../../demo/run-demo';
import type { DemoWitness } from '../../demo/demo-witness';
import type { LocalStack } from '../../local/provision';
import { DuckDbQueryEngine } from '../../query/duckdb-engine';
import { renderResult } from '../../query/output';
import { orphanKeys } from './query';
import { assertWritable } from './period-options';
import { writeArchiveReport } from './report';
import { writeEvidence } from './evidence';
import { trustedKeys } from '../trusted-keys';
import { MotoMissingError } from '../../local/moto';
import { MAX_ACCOUNTS, MIN_ACCOUNTS } from '../../demo/organization';
import { EXIT, UsageError } from '../errors';
import { progressBar } from '../progress';
import { awsTarget } from '../target';

export function formatSummary(s: DemoSummary): string {
  const kinds = Object.entries(s.alertsByKind)
    .sort((a, b) => b[1] - a[1])
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
  const lines = [
    '',
    'Summary',
    `  live lane     ${s.lanes.live.events} events matched the capture rules, in ${s.lanes.live.objects} staged object(s)${s.lanes.live.heldBack ? ` (${s.lanes.live.heldBack} held back: "missed" by EventBridge)` : ''}`,
    `  trail lane    ${s.lanes.trail.records} records in ${s.lanes.trail.files} log files (read-only calls included), ${s.lanes.trail.recovered} archived from this lane alone`,
    `  exactly once  ${s.lanes.both} events came by both lanes, each archived once`,
    `  records       ${s.verify.records} in ${s.verify.shards.length} shards (${s.verify.shards.map((x) => `${x.shard} ${x.records}`).join(', ')}), ${s.recordsPerObject} records per object`,
    `  checkpoints   ${s.verify.checkpoints.valid} signed, latest covers ${s.checkpointSize} records`,
    `  witness       ${s.witness.name} (key ID ${s.witness.keyId}) cosigned ${s.witness.cosigned} shard checkpoints in ${s.witness.shards} shards${s.witness.refused.length ? `, REFUSED ${s.witness.refused.join(', ')}` : ''}`,
    `  proof         ${s.proof.action} ${s.proof.eventId.slice(0, 13)}...: ${s.proof.reads} storage reads, ${s.proof.valid ? 'verified offline' : 'INVALID'}`,
    `  queries       ${s.queries.map((q) => `${q.name} ${q.rows} rows`).join(', ') || 'none'}`,
    `  alerts        ${kinds || 'none'}`,
    ...s.alertSamples.map((a) => `                ${a}`),
    ...accountLines(s),
    `  verification  ${s.verify.ok ? 'OK, chain and checkpoints intact' : `FAILED (${s.verify.problems.length} problems)`}${s.verify.notices.length ? `; ${s.verify.notices.length} notice(s)` : ''}`,
    `  time          ${s.seconds.toFixed(1)} s${s.motoPeakMb !== null ? `; moto_server peak memory ${s.motoPeakMb} MB` : ''}`,
  ];
  if (s.keptRunning) {
    const where = `--endpoint ${s.endpoint} --region ${s.stack.region} --bucket ${s.stack.bucket} --table ${s.stack.table}`;
    lines.push(
      '',
      `The archive stays in the emulator at ${s.endpoint}:`,
      `  bucket ${s.stack.bucket}  table ${s.stack.table}`,
      `  signing key ${s.stack.signingKeyId}  origin ${s.stack.origin}`,
      `  npx immutrail verify ${where} --signing-key ${s.stack.signingKeyId}`,
      `  npx immutrail prove <event id> ${where}`,
      `  npx immutrail query who-changed-resource --param resource=<id> ${where}`,
    );
  }
  return lines.join('\n');
}

function accountLines(s: DemoSummary): string[] {
  if (!s.accounts) return [];
  const rows = s.accounts.map((a) => [a.id, a.role, a.records, a.liveEvents, a.notForwarded, `${a.trailFiles} / ${a.trailRecords}`, a.alerts]);
  const head = ['account', 'role', 'records', 'live', 'not forwarded', 'trail files / records', 'alerts'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells: readonly unknown[]) => '                ' + cells.map((c, i) => String(c).padEnd(widths[i])).join('  ');
  return [
    '  accounts      one chain each (shard acct-<account>); "not forwarded": member events the member stack leaves to the trail lane',
    line(head),
    ...rows.map(line),
  ];
}

/** The questions the demo asks of its archive, each shown as its first rows. */
const DEMO_QUERIES = ['iam-changes', 'image-usage', 'coverage-by-day'];
/** With --accounts: who did what in which account, and what each account's trail files held. */
const ORGANIZATION_QUERIES = ['iam-changes', 'coverage-by-account'];
const SHOWN_ROWS = 5;

const demoQueries = (stack: LocalStack) => runQueries(stack, DEMO_QUERIES);

/**
 * The auditor's report on the demo's busiest month, as `immutrail report` writes it, and beside it the
 * evidence bundle from that month's first day to today, as `immutrail evidence` writes it; resolves to their absolute paths.
 */
async function demoReport(stack: LocalStack, out: string, witness: DemoWitness): Promise<DemoFiles> {
  const target = { aws: stack.target, bucket: stack.bucket, table: stack.table, signingKey: stack.signingKeyId, origin: stack.origin };
  // The report and the bundle check the witness's cosignatures as the auditor will.
  const input = { target, keys: await trustedKeys({}, target), deployers: DEMO_DEPLOYERS, witness: { witnesses: [witness.cosigner], required: 1, dirs: [] } };
  const data = await writeArchiveReport({ ...input, period: 'busiest' }, out);
  // The bundle selects batch objects by the day they were committed (today), the report by the events' days (the story's, in the past): from one to the other.
  const today = new Date().toISOString().slice(0, 10);
  const period = { from: data.period.from, to: data.period.to > today ? data.period.to : today };
  const evidence = await writeEvidence({ ...input, period }, join(dirname(resolve(out)), 'evidence.tar.gz'));
  // The emulator stops with the demo: the key an auditor checks the bundle with is written beside it.
  const publicKey = join(dirname(resolve(out)), 'immutrail-public-key.pem');
  writeFileSync(publicKey, input.keys[0].publicKey.export({ type: 'spki', format: 'pem' }));
  // And the witness's key: its key pair lived only for this run.
  const witnessKey = join(dirname(resolve(out)), 'immutrail-witness.vkey');
  writeFileSync(witnessKey, witness.vkey + '\n');
  return { report: resolve(out), evidence: evidence.out, publicKey, witnessKey };
}

interface DemoFiles {
  report: string;
  evidence: string;
  publicKey: string;
  witnessKey: string;
}

/** The command an auditor runs on the bundle, offline: the archive's key and the witness's, whose cosignature is required. */
export const bundleCommand = (f: DemoFiles): string =>
  `npx immutrail verify --bundle ${f.evidence} --public-key ${f.publicKey} --witness-key ${f.witnessKey} --witnesses 1`;
const organizationQueries = (stack: LocalStack) => runQueries(stack, ORGANIZATION_QUERIES);

async function runQueries(stack: LocalStack, names: readonly string[]) {
  const s3 = new S3Client(clientConfig(stack.target));
  const engine = await DuckDbQueryEngine.fromS3(s3, stack.bucket, {
    orphanKeys: await orphanKeys(s3, new DynamoDBClient(clientConfig(stack.target)), stack.bucket, stack.table),
  });
  try {
    const out = [];
    for (const name of names) {
      const result = await engine.run({ name });
      const shown = { ...result, rows: result.rows.slice(0, SHOWN_ROWS) };
      const more = result.rows.length > SHOWN_ROWS ? `\n... ${result.rows.length - SHOWN_ROWS} more (npx immutrail query ${name})` : '';
      out.push({ name, rows: result.rows.length, rendered: renderResult(shown, 'table') + more });
    }
    return out;
  } finally {
    await engine.close();
  }
}

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('run the whole product on a local AWS emulator (moto_server): both lanes into the archive, seal, verify, prove, query, alerts')
    .option('--endpoint <url>', 'use this running emulator and leave the archive in it (default: start and stop moto_server)')
    .option('--region <region>', 'region', 'us-east-1')
    .option('--events <n>', 'a scale run: this many generated management events (85% read-only) through both lanes, instead of the story')
    .option('--accounts <n>', `an organization of this many accounts (${MIN_ACCOUNTS}-${MAX_ACCOUNTS}: audit, log archive, workloads), one chain per account`)
    .option('--json', 'print the summary as JSON')
    .option('--report <path>', 'where to write the HTML report for auditors', 'report.html')
    .action(async (flags: { endpoint?: string; region: string; json?: boolean; events?: string; accounts?: string; report: string }) => {
      awsTarget(flags);
      assertWritable(flags.report);
      const events = flags.events === undefined ? undefined : Number(flags.events);
      if (events !== undefined && !(Number.isSafeInteger(events) && events >= 1000 && events <= 10_000_000)) {
        throw new UsageError(`--events "${flags.events}" is not a whole number between 1000 and 10000000`);
      }
      const accounts = flags.accounts === undefined ? undefined : Number(flags.accounts);
      if (accounts !== undefined && !(Number.isSafeInteger(accounts) && accounts >= MIN_ACCOUNTS && accounts <= MAX_ACCOUNTS)) {
        throw new UsageError(`--accounts "${flags.accounts}" is not a whole number between ${MIN_ACCOUNTS} and ${MAX_ACCOUNTS}`);
      }
      const say = (s: string) => process.stdout.write(s + '\n');
      let summary: DemoSummary;
      let files: DemoFiles = { report: '', evidence: '', publicKey: '', witnessKey: '' };
      try {
        summary = await runDemo({
          endpoint: flags.endpoint,
          region: flags.region,
          events,
          accounts,
          queries: async (stack, witness) => {
            const queries = await (accounts ? organizationQueries : demoQueries)(stack);
            files = await demoReport(stack, flags.report, witness);
            return queries;
          },
          progress: {
            step: (t) => !flags.json && say(`\n▸ ${t}`),
            info: (l) => !flags.json && say(`  ${l}`),
            bar: (label) => progressBar(label, { enabled: !flags.json }),
          },
        });
      } catch (err) {
        if (err instanceof MotoMissingError) throw new UsageError(err.message);
        throw err;
      }
      say(
        flags.json
          ? JSON.stringify({ ...summary, ...files, verifyBundle: bundleCommand(files) }, null, 2)
          : `${formatSummary(summary)}\n\nReport for auditors: ${files.report}\nEvidence bundle:     ${files.evidence}\nWitness key:         ${files.witnessKey}\n  check it offline:  ${bundleCommand(files)}`,
      );
      process.exitCode = summary.verify.ok && summary.proof.valid && summary.ingest.failures === 0 ? EXIT.OK : EXIT.FAILED;
    });
}
