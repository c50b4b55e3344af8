/**
 * `npm run bench` (full: an archive of 1,000,000 events) or
 * `npm run bench -- --quick` (100,000). Prints a table and writes
 * bench/results.json. Each figure is measured in the same run as its
 * reference. `--only=verify,ingest,proof,cost,bundle` runs a subset (the other
 * figures are null). See docs/BENCHMARKS.md.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { cachedArchive, GENERATOR_VERSION } from './archive/generate';
import { BENCH_DIR, REPO_ROOT, bundleEntry, bundledTask, cliLikeTask, runJsonChild } from './child';
import { measureIngestBundle } from './bundle/measure';
import type { E2eResult } from './cost/e2e';
import { priceRun, type PriceTable } from './cost/pricing';
import { fmt, qty, table, usd } from './report/table';

const SECTIONS = ['verify', 'ingest', 'proof', 'cost', 'bundle'] as const;
type Section = (typeof SECTIONS)[number];

const TARGETS = { verifyVsOpenssl: 0.5, ingestPerCore: 20_000, usdPerMillion: 1.0, proofReads: 30 };

function options() {
  const argv = process.argv.slice(2);
  const quick = argv.includes('--quick');
  const only = argv.find((a) => a.startsWith('--only='))?.slice('--only='.length).split(',') as Section[] | undefined;
  return {
    quick,
    sections: new Set<Section>(only ?? SECTIONS),
    archiveEvents: quick ? 100_000 : 1_000_000,
    verifyRepeats: quick ? 3 : 5,
    ingestEvents: quick ? 20_000 : 50_000,
    ingestRepeats: quick ? 3 : 5,
    // moto_server takes about 2 s per PutEvents of 10 events and slows as its state grows: a few hundred events keep the run short.
    costEvents: quick ? 200 : 500,
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
  if ((o.sections.has('verify') || o.sections.has('proof')) && !cachedArchive(outDir, o.archiveEvents)) {
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
  type P = { proof_storage_reads: number; proof_ms: number; proof_verify_ms: number; tree_size: number; archive_records: number; shard: string; proofs: unknown[]; tile_build: unknown };
  const prices = JSON.parse(readFileSync(join(BENCH_DIR, 'prices.json'), 'utf8')) as PriceTable;
  const state: { verify: V | null; ingest: I | null; proof: P | null; e2e: E2eResult | null; bundle: Awaited<ReturnType<typeof measureIngestBundle>> | null } = {
    verify: null,
    ingest: null,
    proof: null,
    e2e: null,
    bundle: null,
  };
  // Written after every section, so a failure late in the run keeps the figures measured before it.
  const save = () => {
    const results = compose(state, prices, { quick: o.quick, load0, durations: { ...durations, total: seconds(started) }, generated });
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
  state.e2e = await section('cost', () =>
    runJsonChild<E2eResult>(join(BENCH_DIR, 'cost', 'e2e.ts'), [JSON.stringify({ events: o.costEvents })], ['--import', 'tsx', '--no-warnings']),
  );
  save();
  state.bundle = await section('bundle', () => measureIngestBundle(REPO_ROOT, outDir));
  const results = save();
  print(results, state.e2e ? priceRun(state.e2e, prices) : null, o.quick);
}

function compose(
  state: { verify: any; ingest: any; proof: any; e2e: E2eResult | null; bundle: any },
  prices: PriceTable,
  run: { quick: boolean; load0: number; durations: Record<string, number>; generated: unknown },
) {
  const { verify, ingest, proof, e2e, bundle } = state;
  const cost = e2e ? priceRun(e2e, prices) : null;
  return {
    verify_records_per_s: (verify?.verify_records_per_s as number) ?? null,
    verify_mb_per_s: (verify?.verify_mb_per_s as number) ?? null,
    openssl_mb_per_s: (verify?.openssl_mb_per_s as number) ?? null,
    verify_vs_openssl_ratio: (verify?.verify_vs_openssl_ratio as number) ?? null,
    ingest_events_per_s_per_core: ingest?.ingest_events_per_s_per_core ?? null,
    ingest_vs_parse_hash_ratio: ingest?.ingest_vs_parse_hash_ratio ?? null,
    proof_storage_reads: proof?.proof_storage_reads ?? null,
    proof_verify_ms: proof?.proof_verify_ms ?? null,
    usd_per_million_events: cost ? Math.round(cost.usd_per_million_events * 1000) / 1000 : null,
    usd_per_million_events_without_alerts: cost ? Math.round(cost.usd_per_million_events_without_alerts * 1000) / 1000 : null,
    cloudtrail_lake_usd_per_million_events: cost ? Math.round(cost.cloudtrail_lake_usd_per_million_events * 1000) / 1000 : null,
    bundle_bytes: bundle?.bundle_bytes ?? null,
    init_ms: bundle?.init_ms ?? null,
    run: {
      mode: run.quick ? 'quick' : 'full',
      date: new Date().toISOString(),
      machine: { cores: cpus().length, cpu: cpus()[0]?.model, memory_gb: Math.round(totalmem() / 2 ** 30), load_avg_start: run.load0, load_avg_end: loadavg()[0] },
      node: process.version,
      generator: GENERATOR_VERSION,
      durations_s: run.durations,
      generated: run.generated,
    },
    verify,
    ingest,
    proof,
    // Per-invocation profiles are what the duration model sums (cost.duration_model): left out to keep the file readable from run to run.
    cost: cost && e2e ? { ...cost, run: { ...e2e, handlerMs: undefined, invocationProfiles: undefined, handler_ms_total: Math.round(e2e.handlerMs.reduce((a, b) => a + b, 0)) } } : null,
    bundle,
    prices_checked: prices.checked,
  };
}

function print(r: any, cost: ReturnType<typeof priceRun> | null, quick: boolean): void {
  const status = (ok: boolean | null) => (ok === null ? '' : ok ? 'met' : 'MISSED');
  const v = r.verify;
  const rows = [
    ['verify (records/s)', fmt(r.verify_records_per_s), v ? `${fmt(v.records)} records, ${fmt(v.mb)} MB` : '', '', ''],
    ['verify (MB/s)', fmt(r.verify_mb_per_s, 1), `openssl ${fmt(r.openssl_mb_per_s, 1)} MB/s`, '', ''],
    ['verify / openssl', fmt(r.verify_vs_openssl_ratio, 3), 'same bytes', `>= ${TARGETS.verifyVsOpenssl}`, status(r.verify_vs_openssl_ratio === null ? null : r.verify_vs_openssl_ratio >= TARGETS.verifyVsOpenssl)],
    ['ingest (events/s/core)', fmt(r.ingest_events_per_s_per_core), `parse+SHA-256 ${fmt(r.ingest?.parse_hash_events_per_s_per_core)}/s`, `>= ${fmt(TARGETS.ingestPerCore)}`, status(r.ingest_events_per_s_per_core === null ? null : r.ingest_events_per_s_per_core >= TARGETS.ingestPerCore)],
    ['ingest / parse+hash', fmt(r.ingest_vs_parse_hash_ratio, 3), '', '', ''],
    ['proof (storage reads)', fmt(r.proof_storage_reads), r.proof ? `1 of ${fmt(r.proof.tree_size)} (shard ${r.proof.shard}; ${fmt(r.proof.archive_records)} in all)` : '', `<= ${TARGETS.proofReads}`, status(r.proof_storage_reads === null ? null : r.proof_storage_reads <= TARGETS.proofReads)],
    ['proof (ms to build / verify)', r.proof ? `${fmt(r.proof.proof_ms, 1)} / ${fmt(r.proof_verify_ms, 2)}` : 'n/a', 'in-memory index, local objects', '', ''],
    ['cost (US$ / million events)', usd(r.usd_per_million_events), `CloudTrail Lake ${usd(r.cloudtrail_lake_usd_per_million_events)}`, `<= ${usd(TARGETS.usdPerMillion, 2)}`, status(r.usd_per_million_events === null ? null : r.usd_per_million_events <= TARGETS.usdPerMillion)],
    ['ingest bundle (bytes)', fmt(r.bundle_bytes), r.bundle ? `+ ${fmt(r.bundle.sigma_rules_bytes)} B of Sigma rules` : '', '', ''],
    ['ingest init (ms, median of 5)', fmt(r.init_ms, 1), r.bundle ? `first invoke ${fmt(r.bundle.first_invoke_ms, 1)} ms` : '', '', ''],
  ];
  console.log(`\nimmutrail benchmarks (${quick ? 'quick' : 'full'}, ${r.run.machine.cores} cores, load ${r.run.machine.load_avg_start.toFixed(1)} -> ${r.run.machine.load_avg_end.toFixed(1)})\n`);
  console.log(table(['figure', 'measured', 'reference', 'target', ''], rows));
  if (cost) {
    console.log(`\ncost per million events, by service (${fmt(cost.events_per_invocation, 1)} events per invocation, ${fmt(cost.events_per_batch_object, 1)} per batch object, ${fmt(cost.alerts_per_1000_events)} alerts per 1,000 events)\n`);
    console.log(table(['service', 'item', 'quantity', 'unit', 'US$', 'basis'], cost.lines.map((l) => [l.service, l.item, qty(l.quantity), l.unit, usd(l.usd), l.basis])));
    console.log(
      `\nof which alert handling (from the requests counted as alert handling): ${usd(cost.usd_per_million_events_for_alert_handling)}; ` +
        `without it: ${usd(cost.usd_per_million_events_without_alerts)}; S3 storage: ${usd(cost.s3_storage_usd_per_million_events_month)} per month kept`,
    );
    console.log(
      `Lambda duration: model ${usd(cost.lambda_duration_model_usd)} (bounds: CPU only ${usd(cost.lambda_duration_cpu_only_usd)}, ` +
        `moto wall time ${usd(cost.lambda_duration_moto_wall_usd)}; shards in parallel ${usd(cost.lambda_duration_model_parallel_shards_usd)})`,
    );
    console.log(`fixed monthly: ${cost.fixed_monthly.map((f) => `${f.item} ${usd(f.usd, 2)}`).join('; ')}`);
    console.log('\nrequests per 1,000 events\n');
    console.log(table(['operation', 'requests'], Object.entries(cost.requests_per_1000_events).map(([k, n]) => [k, fmt(n, 1)])));
  }
  console.log(`\nwrote bench/results.json (${fmt(r.run.durations_s.total)} s)`);
}

main().catch((err: Error) => {
  log(err.stack ?? err.message);
  process.exit(1);
});

