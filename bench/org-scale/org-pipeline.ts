import type { SQSRecord } from 'aws-lambda';
import { DEFAULT_SHARDS, EVENT_FAMILIES, planShards } from '../../lib/contract/shards';
import { ingestSqsBatch, type IngestDeps, type TrailLane } from '../../lib/ingest/sqs-batch';
import { liveRouter } from '../../lib/ingest/live-route';
import { ENV } from '../../lib/contract/runtime-config';
import { trailLane } from '../../lib/ingest/lanes-runtime';
import { captureFromEnv } from '../../lib/cloudtrail/runtime';
import type { TrailBucket } from '../../lib/cloudtrail/trail-bucket';
import type { Meter } from './meter';
import { accountId } from './org-events';
import { LATENCY_MS, SimArchive, SimChainStore } from './sim-stores';
import type { VirtualClock, Worker } from './virtual-clock';

export const STAGING_BUCKET = 'staging';
export const STAGING_PREFIX = 'live/';
export const TRAIL_BUCKET = 'org-trail';

/** One chain per member account (`perAccount`), with the default shards catching anything else. */
export function orgShardPlan(accounts: number) {
  return planShards({
    ...DEFAULT_SHARDS,
    org: { families: [...EVENT_FAMILIES], accounts: Array.from({ length: accounts }, (_, i) => accountId(i)), perAccount: true },
  });
}

/** S3's "Object Created" event as the objects rule puts it on the ingest queue. */
export const objectCreated = (bucket: string, key: string): string =>
  JSON.stringify({ version: '0', source: 'aws.s3', 'detail-type': 'Object Created', detail: { bucket: { name: bucket }, object: { key } } });

/**
 * The ingest handler's dependencies wired to in-memory stores on the virtual
 * clock: the real ingestSqsBatch and reconcileLogFile (full capture: read-only
 * calls by the trail lane), with the objects the producers stage.
 */
export class OrgPipeline {
  readonly store: SimChainStore;
  readonly objects = new Map<string, Buffer>();
  /** Handler CPU spent on each trail file, by its size. */
  readonly fileCpu: { events: number; cpuMs: number }[] = [];
  /** Events in each trail file the producer wrote. */
  readonly fileEvents = new Map<string, number>();
  private readonly deps: IngestDeps;

  constructor(
    private readonly clock: VirtualClock,
    private readonly meter: Meter,
    accounts: number,
    epochMs: number,
  ) {
    const sleep = (ms: number) => clock.sleep(ms);
    this.store = new SimChainStore(sleep, meter);
    const plan = orgShardPlan(accounts);
    const get = async (key: string) => {
      await sleep(LATENCY_MS.s3Get);
      meter.add('s3.GetObject');
      const body = this.objects.get(key);
      if (!body) throw new Error(`no object ${key}`);
      return body;
    };
    this.deps = {
      store: this.store,
      archive: new SimArchive(sleep, meter),
      origin: 'org-scale',
      clock: () => new Date(epochMs + clock.now),
      alerts: { deliver: async () => {} },
      route: liveRouter(plan),
      staging: { bucket: STAGING_BUCKET, prefix: STAGING_PREFIX, get },
    };
    // The trail lane commits through the same chain path.
    this.deps.trail = this.trailLane(plan, get);
  }

  async invoke(records: SQSRecord[]): Promise<{ failed: string[] }> {
    const { response, stats } = await ingestSqsBatch(this.deps, { Records: records });
    this.meter.add('events.live', stats.eventsIn);
    this.meter.add('events.trailRecovered', stats.trailRecovered);
    this.meter.add('events.duplicates', stats.duplicates);
    this.meter.add('events.quarantined', stats.quarantined);
    this.meter.add('trail.deferred', stats.trailDeferred);
    this.meter.add('conflictsSeen', stats.conflicts);
    return { failed: response.batchItemFailures.map((f) => f.itemIdentifier) };
  }

  /**
   * The trail lane as the ingest function's runtime builds it (lanesRuntime:
   * trailLane over reconcileObjects, capture settings from the same
   * environment variables, full capture), reading files from memory. The CPU
   * between one file's read and the next is that file's: they are reconciled
   * one after another.
   */
  private trailLane(plan: ReturnType<typeof orgShardPlan>, get: (key: string) => Promise<Buffer>): TrailLane {
    const capture = captureFromEnv({ [ENV.shardPlan]: JSON.stringify(plan), [ENV.captureReadOnly]: 'true' });
    // Per invocation: two of them may reconcile files at the same time.
    const marks = new Map<Worker, { key: string | null; cpuMs: number }[]>();
    const mark = (key: string | null) => {
      const worker = this.clock.worker();
      if (worker && this.meter.counting) marks.get(worker)?.push({ key, cpuMs: worker.cpuMs });
    };
    const bucket = {
      bucket: TRAIL_BUCKET,
      prefix: '',
      get: async (key: string) => {
        mark(key);
        return get(key);
      },
    } as unknown as TrailBucket;
    const lane = trailLane({
      ...this.deps,
      trail: bucket,
      settings: { route: capture.route, live: capture.live, coverageShard: capture.coverageShard, coverageShardOf: capture.coverageShardOf },
    });
    return {
      bucket: lane.bucket,
      reconcile: async (keys, opts) => {
        const worker = this.clock.worker();
        const mine: { key: string | null; cpuMs: number }[] = [];
        if (worker) marks.set(worker, mine);
        const out = await lane.reconcile(keys, opts);
        mark(null);
        if (worker) marks.delete(worker);
        for (let i = 0; i + 1 < mine.length; i++) {
          const events = this.fileEvents.get(mine[i].key!);
          if (events !== undefined) this.fileCpu.push({ events, cpuMs: mine[i + 1].cpuMs - mine[i].cpuMs });
        }
        return out;
      },
    };
  }
}
