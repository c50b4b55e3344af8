/**
 * The organization at scale, by simulation: `npx tsx bench/org-scale/simulate.ts [--quick] [--factor=N]`.
 * 100 accounts at the peak of a one-billion-events-a-month organization drive
 * the real ingest handler (ingestSqsBatch: staged live-lane objects and trail
 * files, reconcileLogFile, commitDrafts) against in-memory DynamoDB and S3 on
 * a virtual clock. Prints a table; `bench/run.ts` runs it as section org_scale.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { INGEST_BATCH_SIZE, INGEST_BATCHING_WINDOW, INGEST_MAX_CONCURRENCY, INGEST_MEMORY_MB, INGEST_TIMEOUT } from '../../lib/construct/audit-trail';
import type { PriceTable } from '../cost/pricing';
import { SimEventSource } from './event-source';
import { ORG_LOAD, accountRates, paperRates, type OrgLoad } from './load-model';
import { Meter } from './meter';
import { OrgEvents, type Stream } from './org-events';
import { OrgPipeline, STAGING_BUCKET, TRAIL_BUCKET, objectCreated } from './org-pipeline';
import { orgCost } from './org-cost';
import { breakingPoints } from './limits';
import { NOTICE_DELAY_MS, runFirehose, runTrail } from './producers';
import { printOrgScale, type OrgScaleSection } from './report';
import { probeFileCost } from './file-cost-probe';
import { summarize, type OrgScaleRun } from './summary';
import { VirtualClock, withVirtualTimeouts } from './virtual-clock';

export interface SimOptions {
  load?: OrgLoad;
  /** Simulated seconds measured (after the warm-up). */
  seconds: number;
  /** Load over the peak: 1 = the peak hour of the 1B-a-month organization. */
  factor?: number;
  epochMs?: number;
}

export const ingestSettings = () => ({
  batchSize: INGEST_BATCH_SIZE,
  batchingWindowMs: INGEST_BATCHING_WINDOW.toMilliseconds(),
  maxConcurrency: INGEST_MAX_CONCURRENCY,
  memoryMb: INGEST_MEMORY_MB,
  timeoutS: INGEST_TIMEOUT.toSeconds(),
});

/** Streams per (account, region): the account's peak rate split evenly over its regions. */
export function orgStreams(load: OrgLoad, factor: number): Stream[] {
  const rates = accountRates(load, paperRates(load, factor).peakEventsPerS);
  return rates.flatMap((perS, account) =>
    Array.from({ length: load.regionsPerAccount }, (_, region) => ({ account, region, perS: perS / load.regionsPerAccount })),
  );
}

export async function simulateOrg(o: SimOptions): Promise<OrgScaleRun> {
  const load = o.load ?? ORG_LOAD;
  const factor = o.factor ?? 1;
  const epochMs = o.epochMs ?? Date.UTC(2026, 11, 1, 9, 0, 0);
  // The live lane runs from the first event any delivered trail file holds, so the trail finds its writes archived.
  const warmupS = load.trailFileIntervalS + load.trailDeliveryLagS;
  const clock = new VirtualClock(-warmupS * 1000);
  const meter = new Meter(() => clock.now, 0);
  const settings = ingestSettings();
  const pipeline = new OrgPipeline(clock, meter, load.accounts, epochMs);
  const source = new SimEventSource(clock, { ...settings, invokeOverheadMs: 40, epochMs }, (records) => pipeline.invoke(records));
  const events = new OrgEvents(orgStreams(load, factor), epochMs);
  const sink = (bucket: string) => ({
    put: (key: string, body: Buffer, events?: number) => {
      pipeline.objects.set(key, body);
      if (events !== undefined) pipeline.fileEvents.set(key, events);
      clock.at(clock.now + NOTICE_DELAY_MS, () => source.send(objectCreated(bucket, key)));
    },
  });
  runFirehose(clock, meter, load, events, -warmupS, o.seconds, sink(STAGING_BUCKET));
  runTrail(clock, meter, load, events, o.seconds, sink(TRAIL_BUCKET));
  clock.at(0, () => source.resetStats());
  const wall0 = performance.now();
  const cpu0 = process.cpuUsage();
  await withVirtualTimeouts(clock, () => clock.runUntil(o.seconds * 1000));
  const cpu = process.cpuUsage(cpu0);
  return summarize({
    load,
    factor,
    seconds: o.seconds,
    warmupS,
    settings,
    meter,
    store: pipeline.store,
    source,
    backlog: source.backlog(),
    wallS: (performance.now() - wall0) / 1000,
    processCpuS: (cpu.user + cpu.system) / 1e6,
    fileCpu: pipeline.fileCpu,
  });
}

export function loadPrices(benchDir = join(__dirname, '..')): PriceTable {
  return JSON.parse(readFileSync(join(benchDir, 'prices.json'), 'utf8')) as PriceTable;
}

/** The section bench/run.ts writes as `org_scale`: the simulation, its cost per month and its breaking points. */
export async function orgScaleSection(quick: boolean, prices: PriceTable = loadPrices()): Promise<OrgScaleSection> {
  const sim = await simulateOrg({ seconds: quick ? 60 : 300 });
  // Up to 16,000 events, where the quadratic term is well above the noise, in both modes.
  const fileCost = await probeFileCost([2000, 4000, 8000, 16000], sim.load.accounts);
  return { sim, fileCost, cost: orgCost(sim, prices), limits: breakingPoints(sim, fileCost.fit) };
}

if (require.main === module) {
  const quick = process.argv.includes('--quick');
  orgScaleSection(quick)
    .then((r) => printOrgScale(r))
    .catch((err: Error) => {
      process.stderr.write(`${err.stack ?? err.message}\n`);
      process.exit(1);
    });
}
