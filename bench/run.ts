/**
 * `npm run bench` (full: an archive of 1,000,000 events) or
 * `npm run bench -- --quick` (100,000). Prints a table and writes
 * bench/results.json. Each figure is measured in the same run as its
 * reference. `--only=verify,ingest,proof,cost,bundle` runs a subset (the other
 * figures are null; with `--merge`, they are kept from the committed
 * bench/results.json and `run.merged` says which sections this run measured).
 * See docs/BENCHMARKS.md.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { cachedArchive, GENERATOR_VERSION } from './archive/generate';
import { BENCH_DIR, REPO_ROOT, bundleEntry, bundledTask, cliLikeTask, runJsonChild } from './child';
import { measureIngestBundle } from './bundle/measure';
import { reportBench, reportFigures, reportRows, type ReportBench } from './audit-report/measure';
import { compiledCli, measureCliThroughput, measureStartup } from './package/measure';
import type { E2eResult } from './cost/e2e';
import { priceRun, type PriceTable } from './cost/pricing';
import { ORG_ACCOUNTS, WORKLOADS, type Workload } from './cost/workload';
import { mergeResults } from './report/merge';
import { fmt, qty, table, usd } from './report/table';
import { orgScaleSection } from './org-scale/simulate';
import { printOrgScale, type OrgScaleSection } from './org-scale/report';

const SECTIONS = ['verify', 'ingest', 'proof', 'cost', 'bundle', 'org_scale', 'package', 'report'] as const;
type Section = (typeof SECTIONS)[number];

/** Issue 13's targets (and issue 9's for verify and proof). */
const TARGETS = {
  verifyVsOpenssl: 0.5,
  ingestPerCore: 20_000,
  /** Writes only (the default capture), US$ per million events. */
  usdPerMillion: 0.5,
  /** Full capture (read-only calls too), US$ per million events. */
  usdPerMillionFullCapture: 0.2,
  /** Committed records per archive object at a sustained 100 events/s. */
  eventsPerObject: 500,
  /** Live-lane alert latency, EventBridge delivery to SNS publish, seconds. */
  liveLaneLatencyS: 60,
  proofReads: 30,
  /** Issue 16: the compiled package's start-up (seconds, median) and its verification throughput. */
  verifyProofHelpS: 0.3,
  verifyHelpS: 0.5,
  cliVerifyVsOpenssl: 1.0,
};
type E2eRuns = Record<Workload, E2eResult>;

function options() {
  const argv = process.argv.slice(2);
  const quick = argv.includes('--quick');
  const merge = argv.includes('--merge');
  const only = argv
    .find((a) => a.startsWith('--only='))
    ?.slice('--only='.length)
    .split(',') as Section[] | undefined;
  return {
    quick,
    merge,
    sections: new Set<Section>(only ?? SECTIONS),
    archiveEvents: quick ? 100_000 : 1_000_000,
    verifyRepeats: quick ? 3 : 5,
    ingestEvents: quick ? 20_000 : 50_000,
    ingestRepeats: quick ? 3 : 5,
    // Generated management events per workload (writes only, full capture), at 100 events/s: 60,000 is
    // ten minutes of activity, 20 Firehose windows and two five-minute CloudTrail log files.
    costEvents: quick ? 6_000 : 60_000,
  };
}

const log = (s: string) => process.stderr.write(`${s}\n`);
const seconds = (t0: number) => Math.round((performance.now() - t0) / 100) / 10;

async function main(): Promise<void> {
  const o = options();
  const started = performance.now();
  const outDir = join(BENCH_DIR, 'out');
  const load0 = loadavg()[0];
  log(`immutrail bench (${o.quick ? 'quick' : 'full'}): ${cpus().length} cores, load ${load0.toFixed(1)}`);

  const cpuBundle = await bundleEntry(join(BENCH_DIR, 'cpu', 'main.ts'), join(outDir, 'cpu.cjs'));
  const args = { outDir, events: o.archiveEvents, repeats: o.verifyRepeats, dataDir: join(BENCH_DIR, 'data'), sigmaDir: join(REPO_ROOT, 'rules', 'sigma') };
  const durations: Record<string, number> = {};

  let generated: unknown = null;
  if ((o.sections.has('verify') || o.sections.has('proof') || o.sections.has('package')) && !cachedArchive(outDir, o.archiveEvents)) {
    const t0 = performance.now();
    log(`generating an archive of ${fmt(o.archiveEvents)} events (cached under bench/out, ${GENERATOR_VERSION})`);
    generated = await bundledTask(cpuBundle, 'generate', args);
    durations.generate = seconds(t0);
  }

  const section = async <T>(name: Section, run: () => Promise<T>): Promise<T | null> => {
    if (!o.sections.has(name)) return null;
    const t0 = performance.now();
    log(`${name}...`);
    const r = await run();
    durations[name] = seconds(t0);
    return r;
  };

  type V = Record<string, number | string> & { breakdown: Record<string, number> };
  type I = Record<string, number> & { stages: Record<string, number>; detectors: Record<string, number> };
  type P = {
    proof_storage_reads: number;
    proof_ms: number;
    proof_verify_ms: number;
    tree_size: number;
    archive_records: number;
    shard: string;
    proofs: unknown[];
    tile_build: unknown;
  };
  const prices = JSON.parse(readFileSync(join(BENCH_DIR, 'prices.json'), 'utf8')) as PriceTable;
  const state: {
    verify: V | null;
    ingest: I | null;
    proof: P | null;
    e2e: E2eRuns | null;
    bundle: Awaited<ReturnType<typeof measureIngestBundle>> | null;
    org: OrgScaleSection | null;
    pkg: PackageSection | null;
  } = {
    verify: null,
    ingest: null,
    proof: null,
    e2e: null,
    bundle: null,
    org: null,
    pkg: null,
  };
  let reportRun: ReportBench | null = null;
  // Written after every section, so a failure late in the run keeps the figures measured before it.
  const previous =
    o.merge && existsSync(join(BENCH_DIR, 'results.json')) ? (JSON.parse(readFileSync(join(BENCH_DIR, 'results.json'), 'utf8')) as Record<string, any>) : null;
  const save = () => {
    const fresh = {
      ...compose(state, prices, { quick: o.quick, load0, durations: { ...durations, total: seconds(started) }, generated }),
      ...reportFigures(reportRun),
    };
    const results = previous ? mergeResults(previous, fresh, [...o.sections]) : fresh;
    // The organization's simulation is one key (mergeResults keeps what it does not know from the committed run).
    if (previous && fresh.org_scale) results.org_scale = fresh.org_scale;
    writeFileSync(join(BENCH_DIR, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
    return results;
  };
  // verify and prove run as the CLI runs them (tsx); ingest as the Lambda bundle runs it.
  state.verify = await section('verify', () => cliLikeTask<V>('verify', args));
  save();
  state.ingest = await section('ingest', () => bundledTask<I>(cpuBundle, 'ingest', { ...args, events: o.ingestEvents, repeats: o.ingestRepeats }));
  save();
  state.proof = await section('proof', () => cliLikeTask<P>('proof', args));
  save();
  state.e2e = await section('cost', async () => {
    const runs: Partial<E2eRuns> = {};
    // One process (and one emulator) per workload: the ingest handler reads its capture setting once per container.
    for (const workload of WORKLOADS) {
      log(`  cost: ${workload}`);
      runs[workload] = await runJsonChild<E2eResult>(
        join(BENCH_DIR, 'cost', 'e2e.ts'),
        [JSON.stringify({ events: o.costEvents, workload })],
        ['--import', 'tsx', '--no-warnings'],
      );
    }
    return runs as E2eRuns;
  });
  save();
  state.bundle = await section('bundle', () => measureIngestBundle(REPO_ROOT, outDir));
  save();
  // In this process: the simulation drives the handler's modules directly, on a virtual clock.
  state.org = await section('org_scale', () => orgScaleSection(o.quick, prices));
  save();
  // The compiled CLI (dist/, `npm run build`) as an installed package runs it.
  state.pkg = await section('package', async () => {
    const bin = compiledCli(REPO_ROOT);
    const archive = cachedArchive(outDir, o.archiveEvents)!;
    return { startup: measureStartup(bin, outDir, o.quick ? 5 : 9), verify: measureCliThroughput(bin, archive, outDir, o.verifyRepeats) };
  });
  save();
  // Issue 18: `immutrail report --dir` over its own archive (events, alerts, coverage records), next to `verify --dir`.
  reportRun = await section('report', () => reportBench(outDir, o.archiveEvents, log));
  const results = save();
  print(results, state.e2e ? priceRuns(state.e2e, prices) : null, o.quick);
  if (state.org) printOrgScale(state.org);
}

type PackageSection = { startup: ReturnType<typeof measureStartup>; verify: ReturnType<typeof measureCliThroughput> };

/** Issue 16's rows: the compiled CLI's start-up next to Node's own, and verify through it next to openssl. */
function packageRows(r: any, at: (x: number | null, test: (x: number) => boolean) => string): string[][] {
  const p = r.package as PackageSection | null;
  const node = p ? `node -e "" ${fmt(p.startup.node_s, 3)} s (median of ${p.startup.runs})` : '';
  return [
    [
      'verify-proof --help (s, compiled)',
      fmt(r.verify_proof_help_s, 3),
      node,
      `<= ${TARGETS.verifyProofHelpS}`,
      at(r.verify_proof_help_s, (x) => x <= TARGETS.verifyProofHelpS),
    ],
    ['verify --help (s, compiled)', fmt(r.verify_help_s, 3), node, `<= ${TARGETS.verifyHelpS}`, at(r.verify_help_s, (x) => x <= TARGETS.verifyHelpS)],
    [
      'immutrail verify / openssl',
      fmt(r.cli_verify_vs_openssl_ratio, 3),
      p ? `CLI ${fmt(p.verify.cli_verify_mb_per_s, 1)} MB/s, openssl ${fmt(p.verify.openssl_mb_per_s, 1)} MB/s, ${fmt(p.verify.mb)} MB` : '',
      `>= ${TARGETS.cliVerifyVsOpenssl}`,
      at(r.cli_verify_vs_openssl_ratio, (x) => x >= TARGETS.cliVerifyVsOpenssl),
    ],
  ];
}

const round = (x: number, digits = 3) => Math.round(x * 10 ** digits) / 10 ** digits;

function priceRuns(runs: E2eRuns, prices: PriceTable) {
  return Object.fromEntries(WORKLOADS.map((w) => [w, priceRun(runs[w], prices)])) as Record<Workload, ReturnType<typeof priceRun>>;
}

function compose(
  state: { verify: any; ingest: any; proof: any; e2e: E2eRuns | null; bundle: any; org: OrgScaleSection | null; pkg: PackageSection | null },
  prices: PriceTable,
  run: { quick: boolean; load0: number; durations: Record<string, number>; generated: unknown },
) {
  const { verify, ingest, proof, e2e, bundle, org, pkg } = state;
  const cost = e2e ? priceRuns(e2e, prices) : null;
  const slim = (r: E2eResult) => ({
    ...r,
    handlerMs: undefined,
    invocationProfiles: undefined,
    handler_ms_total: Math.round(r.handlerMs.reduce((a, b) => a + b, 0)),
  });
  return {
    verify_records_per_s: (verify?.verify_records_per_s as number) ?? null,
    verify_mb_per_s: (verify?.verify_mb_per_s as number) ?? null,
    openssl_mb_per_s: (verify?.openssl_mb_per_s as number) ?? null,
    verify_vs_openssl_ratio: (verify?.verify_vs_openssl_ratio as number) ?? null,
    ingest_events_per_s_per_core: ingest?.ingest_events_per_s_per_core ?? null,
    ingest_vs_parse_hash_ratio: ingest?.ingest_vs_parse_hash_ratio ?? null,
    proof_storage_reads: proof?.proof_storage_reads ?? null,
    proof_verify_ms: proof?.proof_verify_ms ?? null,
    // Writes only: the default capture.
    usd_per_million_events: cost ? round(cost.writes.usd_per_million_events) : null,
    usd_per_million_events_without_alerts: cost ? round(cost.writes.usd_per_million_events_without_alerts) : null,
    usd_per_million_events_full_capture: cost ? round(cost.full.usd_per_million_events) : null,
    // Issue 14: the full-capture stream over an organization of ORG_ACCOUNTS accounts, against the full-capture target.
    usd_per_million_events_org: cost ? round(cost.org.usd_per_million_events) : null,
    // Committed records per archive object where the archive receives 100 events/s: full capture (the writes-only run archives 15 of them a second).
    events_per_object: cost ? round(cost.full.records_per_object, 1) : null,
    live_lane_latency_s: cost ? round(cost.writes.live_lane_latency_s, 1) : null,
    cloudtrail_lake_usd_per_million_events: cost ? round(cost.writes.cloudtrail_lake_usd_per_million_events) : null,
    bundle_bytes: bundle?.bundle_bytes ?? null,
    init_ms: bundle?.init_ms ?? null,
    verify_proof_help_s: pkg?.startup.verify_proof_help_s ?? null,
    verify_help_s: pkg?.startup.verify_help_s ?? null,
    cli_verify_vs_openssl_ratio: pkg?.verify.cli_vs_openssl_ratio ?? null,
    run: {
      mode: run.quick ? 'quick' : 'full',
      date: new Date().toISOString(),
      machine: {
        cores: cpus().length,
        cpu: cpus()[0]?.model,
        memory_gb: Math.round(totalmem() / 2 ** 30),
        load_avg_start: run.load0,
        load_avg_end: loadavg()[0],
      },
      node: process.version,
      generator: GENERATOR_VERSION,
      durations_s: run.durations,
      generated: run.generated,
    },
    verify,
    ingest,
    proof,
    // Per-invocation profiles are what the duration model sums (cost.<workload>.duration_model): left out to keep the file readable from run to run.
    cost: cost && e2e ? Object.fromEntries(WORKLOADS.map((w) => [w, { ...cost[w], run: slim(e2e[w]) }])) : null,
    bundle,
    // 100 accounts, 1B events a month: the simulation at the peak, its monthly bill and what breaks first (bench/org-scale).
    org_scale: org
      ? {
          usd_per_month: round(org.cost.usd_per_month, 2),
          usd_per_million_events: round(org.cost.usd_per_million_events),
          breaks_first: { limit: org.limits.first.name, at_load_factor: round(org.limits.first.factor, 2) },
          sim: org.sim,
          file_cost: org.fileCost,
          cost: org.cost,
          limits: org.limits.limits.map((l) => ({ ...l, factor: Number.isFinite(l.factor) ? round(l.factor, 2) : null })),
        }
      : null,
    // Issue 16: the compiled package (dist/bin/immutrail.js), start-up next to `node -e ""` and verify through the CLI.
    package: pkg,
    prices_checked: prices.checked,
  };
}

function print(r: any, cost: ReturnType<typeof priceRuns> | null, quick: boolean): void {
  const status = (ok: boolean | null) => (ok === null ? '' : ok ? 'met' : 'MISSED');
  const v = r.verify;
  const at = (x: number | null, test: (x: number) => boolean) => status(x === null || x === undefined ? null : test(x));
  const rows = [
    ['verify (records/s)', fmt(r.verify_records_per_s), v ? `${fmt(v.records)} records, ${fmt(v.mb)} MB` : '', '', ''],
    ['verify (MB/s)', fmt(r.verify_mb_per_s, 1), `openssl ${fmt(r.openssl_mb_per_s, 1)} MB/s`, '', ''],
    [
      'verify / openssl',
      fmt(r.verify_vs_openssl_ratio, 3),
      'same bytes',
      `>= ${TARGETS.verifyVsOpenssl}`,
      at(r.verify_vs_openssl_ratio, (x) => x >= TARGETS.verifyVsOpenssl),
    ],
    [
      'ingest (events/s/core)',
      fmt(r.ingest_events_per_s_per_core),
      `parse+SHA-256 ${fmt(r.ingest?.parse_hash_events_per_s_per_core)}/s`,
      `>= ${fmt(TARGETS.ingestPerCore)}`,
      at(r.ingest_events_per_s_per_core, (x) => x >= TARGETS.ingestPerCore),
    ],
    ['ingest / parse+hash', fmt(r.ingest_vs_parse_hash_ratio, 3), '', '', ''],
    [
      'proof (storage reads)',
      fmt(r.proof_storage_reads),
      r.proof ? `1 of ${fmt(r.proof.tree_size)} (shard ${r.proof.shard}; ${fmt(r.proof.archive_records)} in all)` : '',
      `<= ${TARGETS.proofReads}`,
      at(r.proof_storage_reads, (x) => x <= TARGETS.proofReads),
    ],
    ['proof (ms to build / verify)', r.proof ? `${fmt(r.proof.proof_ms, 1)} / ${fmt(r.proof_verify_ms, 2)}` : 'n/a', 'in-memory index, local objects', '', ''],
    [
      'cost, writes only (US$ / M events)',
      usd(r.usd_per_million_events),
      cost
        ? `${usd(cost.writes.usd_per_million_events_without_alerts)} without alert handling; CloudTrail Lake ${usd(r.cloudtrail_lake_usd_per_million_events)}`
        : '',
      `<= ${usd(TARGETS.usdPerMillion, 2)}`,
      at(r.usd_per_million_events, (x) => x <= TARGETS.usdPerMillion),
    ],
    [
      'cost, full capture (US$ / M events)',
      usd(r.usd_per_million_events_full_capture),
      cost ? `${usd(cost.full.usd_per_million_events_without_alerts)} without alert handling` : '',
      `<= ${usd(TARGETS.usdPerMillionFullCapture, 2)}`,
      at(r.usd_per_million_events_full_capture, (x) => x <= TARGETS.usdPerMillionFullCapture),
    ],
    [
      `cost, organization of ${ORG_ACCOUNTS} (US$ / M events)`,
      usd(r.usd_per_million_events_org),
      cost
        ? `full capture by ${ORG_ACCOUNTS} accounts: ${usd(cost.full.usd_per_million_events)} in one account; ${fmt(cost.org.member_events.forwarded)} member events forwarded, ${fmt(cost.org.member_events.not_forwarded)} left to the trail lane`
        : '',
      `<= ${usd(TARGETS.usdPerMillionFullCapture, 2)}`,
      at(r.usd_per_million_events_org, (x) => x <= TARGETS.usdPerMillionFullCapture),
    ],
    [
      'cost, attack sample (US$ / M events)',
      cost ? usd(cost.attack.usd_per_million_events) : 'n/a',
      cost
        ? `alert-heavy, not the target's mix: ${fmt(cost.attack.alerts_per_1000_events)} alerts per 1,000 events; ${usd(cost.attack.usd_per_million_events_without_alerts)} without alert handling`
        : '',
      'reported apart',
      '',
    ],
    [
      'records per archive object',
      fmt(r.events_per_object, 1),
      cost
        ? `full capture at 100 events/s (${fmt(cost.full.events_per_object, 1)} events + alert and coverage records); writes only ${fmt(cost.writes.records_per_object, 1)} (15 events/s captured)`
        : '',
      `>= ${TARGETS.eventsPerObject}`,
      at(r.events_per_object, (x) => x >= TARGETS.eventsPerObject),
    ],
    [
      'live-lane latency (s, modeled)',
      fmt(r.live_lane_latency_s, 1),
      cost
        ? `windows ${cost.writes.live_lane_latency.parts
            .slice(0, 4)
            .map((p) => p.s)
            .join(' + ')} s + invocation ${fmt(cost.writes.live_lane_latency.parts[4].s, 2)} s`
        : '',
      `<= ${TARGETS.liveLaneLatencyS}`,
      at(r.live_lane_latency_s, (x) => x <= TARGETS.liveLaneLatencyS),
    ],
    ['ingest bundle (bytes)', fmt(r.bundle_bytes), r.bundle ? `+ ${fmt(r.bundle.sigma_rules_bytes)} B of Sigma rules` : '', '', ''],
    ['ingest init (ms, median of 5)', fmt(r.init_ms, 1), r.bundle ? `first invoke ${fmt(r.bundle.first_invoke_ms, 1)} ms` : '', '', ''],
    ...packageRows(r, at),
    ...reportRows(r, at),
  ];
  // After --merge, this run is the last merged entry; the figures it did not measure are the committed run's.
  const thisRun = r.run.merged?.at(-1) ?? r.run;
  const kept = r.run.merged ? ` (only ${thisRun.sections.join(', ')} measured now; the rest kept from the run of ${r.run.date})` : '';
  console.log(
    `\nimmutrail benchmarks (${quick ? 'quick' : 'full'}, ${thisRun.machine.cores} cores, load ${thisRun.machine.load_avg_start.toFixed(1)} -> ${thisRun.machine.load_avg_end.toFixed(1)})${kept}\n`,
  );
  console.log(table(['figure', 'measured', 'reference', 'target', ''], rows));
  if (cost) {
    for (const w of WORKLOADS) {
      const c = cost[w];
      const label = {
        writes: 'writes only (default capture)',
        full: 'full capture (read-only calls by the trail lane)',
        attack: 'attack sample (the demo story: alert-heavy)',
        org: `organization of ${ORG_ACCOUNTS} accounts, full capture (members forward what the member stack forwards)`,
      }[w];
      console.log(
        `\n${label}: ${usd(c.usd_per_million_events)} per million events (${fmt(c.captured_events)} archived; ${fmt(c.events_per_invocation, 1)} per invocation, ` +
          `${fmt(c.records_per_object, 1)} records per object, ${fmt(c.alert_records_per_1000_events)} alert records per 1,000 events)\n`,
      );
      console.log(
        table(
          ['service', 'item', 'quantity', 'unit', 'US$', 'basis'],
          c.lines.map((l) => [l.service, l.item, qty(l.quantity), l.unit, usd(l.usd), l.basis]),
        ),
      );
      console.log(
        `alert handling: ${usd(c.usd_per_million_events_for_alert_handling)}; without it: ${usd(c.usd_per_million_events_without_alerts)}; ` +
          `Lambda duration: model ${usd(c.lambda_duration_model_usd)} (CPU only ${usd(c.lambda_duration_cpu_only_usd)}, moto wall time ${usd(c.lambda_duration_moto_wall_usd)}); ` +
          `archive storage ${usd(c.s3_storage_usd_per_million_events_month)} per million events per month kept`,
      );
    }
    console.log(`\nfixed monthly: ${cost.writes.fixed_monthly.map((f) => `${f.item} ${usd(f.usd, 2)}`).join('; ')}`);
    console.log('\nrequests per 1,000 events (writes only / full capture)\n');
    const keys = [...new Set([...Object.keys(cost.writes.requests_per_1000_events), ...Object.keys(cost.full.requests_per_1000_events)])];
    console.log(
      table(
        ['operation', 'writes only', 'full capture'],
        keys.map((k) => [k, fmt(cost.writes.requests_per_1000_events[k] ?? 0, 2), fmt(cost.full.requests_per_1000_events[k] ?? 0, 2)]),
      ),
    );
  }
  console.log(`\nwrote bench/results.json (${fmt(thisRun.durations_s.total)} s)`);
}

main().catch((err: Error) => {
  log(err.stack ?? err.message);
  process.exit(1);
});
