import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from '../child';
import { DEMO_DEPLOYERS } from '../../lib/demo/run-demo';
import { cachedReportArchive, generateReportArchive, type ReportArchive } from './archive';

/** Issue 18's targets: seconds for the report of a 1,000,000-record archive, and of the demo's. */
export const REPORT_TARGET_S = { million: 30, demo: 2 };

export interface CommandRun {
  seconds: number;
  /** Peak resident set of the process (GNU time's %M). */
  peak_rss_mb: number;
  exitCode: number;
}

/**
 * `immutrail ARGS` as a user runs it (tsx, a fresh process), timed end to end
 * from spawn to exit, with its peak RSS from GNU time. Output is discarded.
 */
export function timeCli(args: readonly string[]): Promise<CommandRun> {
  const cli = join(REPO_ROOT, 'bin', 'immutrail.ts');
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn('/usr/bin/time', ['-f', 'RSS_KB=%M', process.execPath, '--import', 'tsx', '--no-warnings', cli, ...args], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      const seconds = (performance.now() - t0) / 1000;
      const rss = /RSS_KB=(\d+)/.exec(err);
      if (!rss) return reject(new Error(`no peak RSS from /usr/bin/time for immutrail ${args[0]}: ${err.slice(-500)}`));
      resolve({ seconds, peak_rss_mb: Math.round(Number(rss[1]) / 1024), exitCode: code ?? -1 });
    });
  });
}

export interface ReportBench {
  events: number;
  records: number | null;
  report: CommandRun;
  /** Same run, same archive: the verifier alone (the report runs it too). */
  verify: CommandRun;
  generated_s: number | null;
}

/**
 * The report of the archive's whole period (loading into DuckDB, the named
 * queries, verification, rendering), timed as `immutrail report --dir`, and
 * `immutrail verify --dir` on the same archive as the same-run reference.
 * Generating the archive is not timed (it is cached under bench/out).
 */
export async function reportBench(outDir: string, events: number, log: (s: string) => void): Promise<ReportBench> {
  let archive: ReportArchive | null = cachedReportArchive(outDir, events);
  let generated: number | null = null;
  if (!archive) {
    log(`  generating a report archive of ${events} events (cached under bench/out)`);
    archive = await generateReportArchive(outDir, events, (files) => files % 200 === 0 && log(`  ${files} log files`));
    generated = archive.generatedIn.seconds;
  }
  const key = join(archive.archiveDir, '..', 'public-key.pem');
  const out = join(outDir, `report-${events}.html`);
  const deployers = DEMO_DEPLOYERS.flatMap((d) => ['--deployer', d]);
  const report = await timeCli([
    'report',
    '--dir',
    archive.archiveDir,
    '--public-key',
    key,
    '--from',
    archive.from,
    '--to',
    archive.to,
    ...deployers,
    '--out',
    out,
  ]);
  const verify = await timeCli(['verify', '--dir', archive.archiveDir, '--public-key', key]);
  if (report.exitCode !== 0 || verify.exitCode !== 0)
    throw new Error(`the generated archive did not verify (report exit ${report.exitCode}, verify exit ${verify.exitCode})`);
  return { events, records: archive.records ?? null, report, verify, generated_s: generated };
}

/** The figures results.json keeps: report_1m_records_s is the full run's (1,000,000 events); a quick run's is of 100,000. */
export function reportFigures(r: ReportBench | null) {
  return { report_1m_records_s: r ? Math.round(r.report.seconds * 10) / 10 : null, report: r };
}

/** The table's row: the report's time next to verify's on the same archive and the 30 s target. */
export function reportRows(r: any, at: (x: number | null, test: (x: number) => boolean) => string): string[][] {
  const b = r.report as ReportBench | null;
  const ref = b
    ? `verify ${b.verify.seconds.toFixed(1)} s; ${b.events.toLocaleString('en-US')} events, ${b.records?.toLocaleString('en-US') ?? '?'} records; peak RSS ${b.report.peak_rss_mb} MB`
    : '';
  return [
    [
      'report (s, whole period)',
      b ? b.report.seconds.toFixed(1) : 'n/a',
      ref,
      `<= ${REPORT_TARGET_S.million}`,
      at(r.report_1m_records_s, (x) => x <= REPORT_TARGET_S.million),
    ],
  ];
}
