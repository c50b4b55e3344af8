import type { Command } from 'commander';
import { runDemo, type DemoSummary } from '../../demo/run-demo';
import { MotoMissingError } from '../../local/moto';
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
    `  events        ${s.apiCallsInLogs} API calls in ${s.trailLogFiles} trail log files (+${s.readOnlySkipped} read-only, not captured); ${s.sentThroughEventBridge} events through EventBridge`,
    `  exactly once  ${s.missedByEventBridge} missed by EventBridge, ${s.backfill.archived} recovered by backfill, ${s.backfill.alreadyThere} found already archived`,
    `  records       ${s.verify.records} in ${s.verify.shards.length} shards (${s.verify.shards.map((x) => `${x.shard} ${x.records}`).join(', ')})`,
    `  checkpoints   ${s.verify.checkpoints.valid} signed, latest covers ${s.checkpointSize} records`,
    `  alerts        ${kinds || 'none'}`,
    ...s.alertSamples.map((a) => `                ${a}`),
    `  verification  ${s.verify.ok ? 'OK, chain and checkpoints intact' : `FAILED (${s.verify.problems.length} problems)`}${s.verify.notices.length ? `; ${s.verify.notices.length} notice(s)` : ''}`,
    `  time          ${s.seconds.toFixed(1)} s`,
  ];
  for (const q of s.queries) lines.splice(lines.length - 3, 0, '', `  query ${q.name} (${q.rows} rows)`, ...q.rendered.split('\n').map((l) => `    ${l}`));
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

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('run the whole product on a local AWS emulator (moto_server): ingest, backfill, seal, verify, query, alerts')
    .option('--endpoint <url>', 'use this running emulator and leave the archive in it (default: start and stop moto_server)')
    .option('--region <region>', 'region', 'us-east-1')
    .option('--json', 'print the summary as JSON')
    .action(async (flags: { endpoint?: string; region: string; json?: boolean }) => {
      awsTarget(flags);
      const say = (s: string) => process.stdout.write(s + '\n');
      let summary: DemoSummary;
      try {
        summary = await runDemo({
          endpoint: flags.endpoint,
          region: flags.region,
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
      say(flags.json ? JSON.stringify(summary, null, 2) : formatSummary(summary));
      process.exitCode = summary.verify.ok && summary.ingest.failures === 0 ? EXIT.OK : EXIT.FAILED;
    });
}
