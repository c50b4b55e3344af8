import { reconcileLogFile } from '../../lib/cloudtrail/reconcile';
import { apiShardOf, captureRouter } from '../../lib/cloudtrail/capture';
import { fitFileCost, type FileCostFit } from './file-cost-fit';
import { Meter } from './meter';
import { OrgEvents } from './org-events';
import { orgShardPlan, TRAIL_BUCKET } from './org-pipeline';
import { SimArchive, SimChainStore } from './sim-stores';

/**
 * CPU of the real reconcileLogFile on one file of n events, for a few n: the
 * hot account's file at the peak is too slow to sit in every simulated window,
 * and how its cost grows with n decides when it outgrows the ingest timeout.
 * Stores answer at once (no simulated latency): only CPU is measured.
 */
export async function probeFileCost(sizes: readonly number[], accounts: number): Promise<{ points: { events: number; cpuMs: number }[]; fit: FileCostFit }> {
  const plan = orgShardPlan(accounts);
  const settings = {
    route: captureRouter({ captureReadOnly: true, plan }),
    live: captureRouter({ captureReadOnly: false, plan }),
    coverageShard: apiShardOf(plan),
    alertOnMissed: false,
  };
  const points: { events: number; cpuMs: number }[] = [];
  // The first file warms the JIT up and is not counted.
  for (const [i, n] of [sizes[0], ...sizes].entries()) {
    const meter = new Meter(() => 0);
    const now = async () => {};
    const deps = {
      store: new SimChainStore(now, meter),
      archive: new SimArchive(now, meter),
      origin: 'probe',
      clock: () => new Date(Date.UTC(2026, 11, 1, 9)),
    };
    // One stream of the hot account at n events a second: one second holds the whole file.
    const events = new OrgEvents([{ account: 0, region: 0, perS: n }], Date.UTC(2026, 11, 1, 9));
    const file = events.trailFile(events.streams[0], 0, 1);
    const c0 = process.cpuUsage();
    await reconcileLogFile(deps, { bucket: TRAIL_BUCKET, key: file.key, body: file.body }, settings);
    const c = process.cpuUsage(c0);
    if (i > 0) points.push({ events: file.events, cpuMs: (c.user + c.system) / 1000 });
  }
  return { points, fit: fitFileCost(points) };
}
