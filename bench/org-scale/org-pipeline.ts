import type { SQSRecord } from 'aws-lambda';
import { DEFAULT_SHARDS, EVENT_FAMILIES, planShards } from '../../lib/construct/shards';
import { ingestSqsBatch, type IngestDeps, type TrailLane } from '../../lib/ingest/sqs-batch';
import { liveRouter } from '../../lib/ingest/live-route';
import { apiShardOf, captureRouter } from '../../lib/trail/capture';
import { MissedLiveDeferred, reconcileLogFile } from '../../lib/trail/reconcile';
import type { Meter } from './meter';
import { accountId } from './org-events';
import { LATENCY_MS, SimArchive, SimChainStore } from './sim-stores';
import type { VirtualClock } from './virtual-clock';

export const STAGING_BUCKET = 'staging';
export const STAGING_PREFIX = 'live/';
export const TRAIL_BUCKET = 'org-trail';

/** One chain per member account (`perAccount`), with the default shards catching anything else. */
export function orgShardPlan(accounts: number) {
  return planShards({ ...DEFAULT_SHARDS, org: { families: [...EVENT_FAMILIES], accounts: Array.from({ length: accounts }, (_, i) => accountId(i)), perAccount: true } });
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
      trail: this.trailLane(plan, get),
    };
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

  /** The trail lane as the ingest handler's runtime gives it: each file read and reconciled. */
  private trailLane(plan: ReturnType<typeof orgShardPlan>, get: (key: string) => Promise<Buffer>): TrailLane {
    const settings = { route: captureRouter({ captureReadOnly: true, plan }), live: captureRouter({ captureReadOnly: false, plan }), coverageShard: apiShardOf(plan) };
    return {
      bucket: TRAIL_BUCKET,
      reconcile: async (keys, opts) => {
        const failed: string[] = [];
        const deferred: string[] = [];
        let recovered = 0;
        for (const key of keys) {
          const worker = this.clock.worker();
          const cpu0 = worker?.cpuMs ?? 0;
          try {
            const out = await reconcileLogFile(this.deps, { bucket: TRAIL_BUCKET, key, body: await get(key) }, { ...settings, deferMissedLive: opts?.deferMissedLive });
            recovered += out.recovered;
            this.meter.add('events.trailArchivedBefore', out.archived);
            // Files are reconciled one after another, so the worker's CPU across one is that file's.
            if (worker && this.meter.counting) this.fileCpu.push({ events: out.total, cpuMs: worker.cpuMs - cpu0 });
          } catch (err) {
            if (err instanceof MissedLiveDeferred) deferred.push(key);
            else failed.push(key);
          }
        }
        return { failed, deferred, recovered, files: keys.length };
      },
    };
  }
}
