import { describe, expect, it } from 'vitest';
import { CommitConflictError } from '../../lib/aws/chain-store';
import { buildBatch, emptyHead, genesisDraft } from '../../lib/core/chain';
import { commitDrafts } from '../../lib/commit/commit';
import { draftFromMessage } from '../../lib/commit/drafts';
import { fileCpuMs, fitFileCost, maxFileEvents } from '../../bench/org-scale/file-cost-fit';
import { ORG_LOAD, accountRates, paperRates } from '../../bench/org-scale/load-model';
import { Meter } from '../../bench/org-scale/meter';
import { OrgEvents } from '../../bench/org-scale/org-events';
import { SimArchive, SimChainStore, transactWru } from '../../bench/org-scale/sim-stores';
import { VirtualClock, withVirtualTimeouts } from '../../bench/org-scale/virtual-clock';

const EPOCH = Date.UTC(2026, 11, 1, 9);

/** Real drafts of forwarded writes of one account: the live lane's envelopes, as ingest drafts them. */
function liveDrafts(n: number) {
  const events = new OrgEvents([{ account: 0, region: 0, perS: n * 10 }], EPOCH);
  const lines = events.liveLines(0).slice(0, n);
  if (lines.length < n) throw new Error(`only ${lines.length} writes generated`);
  return lines.map((l) => draftFromMessage(l, { channel: 'eventbridge', logFile: null }).draft);
}

describe('org-scale load model', () => {
  it('turns one billion events a month into the peak rates DESIGN.md section 9 quotes', () => {
    const p = paperRates(ORG_LOAD);
    expect(p.averageEventsPerS).toBeCloseTo(1e9 / (30 * 24 * 3600), 6);
    expect(p.averageEventsPerS).toBeCloseTo(385.8, 1);
    expect(p.peakEventsPerS).toBeCloseTo(3 * 385.8, 0);
    expect(p.hotAccountPerS).toBeCloseTo(0.2 * p.peakEventsPerS, 6);
    expect(p.otherAccountPerS).toBeCloseTo((0.8 * p.peakEventsPerS) / 99, 6);
    expect(p.liveEventsPerS).toBeCloseTo(0.15 * p.peakEventsPerS, 6);
    // 174 events/s of 1,535 B fill Firehose's 5 MiB before its 30 s window ends.
    expect(p.stagedObjectSeconds).toBeCloseTo((5 * 2 ** 20) / (p.liveEventsPerS * 1535), 6);
    expect(p.stagedObjectSeconds).toBeLessThan(30);
    expect(p.trailFilesPerS).toBeCloseTo(200 / 300, 9);
    expect(p.hotFileEvents).toBeCloseTo((p.hotAccountPerS / 2) * 300, 6);
  });

  it('gives the hot account its share and the others the rest, adding up to the total', () => {
    const rates = accountRates(ORG_LOAD, 1000);
    expect(rates).toHaveLength(100);
    expect(rates[0]).toBeCloseTo(200, 9);
    expect(rates.reduce((a, b) => a + b, 0)).toBeCloseTo(1000, 6);
    expect(accountRates({ ...ORG_LOAD, accounts: 1 }, 50)).toEqual([50]);
  });

  it('scales with the load factor, and the Firehose window caps a staged object when the buffer does not fill', () => {
    expect(paperRates(ORG_LOAD, 2).peakEventsPerS).toBeCloseTo(2 * paperRates(ORG_LOAD).peakEventsPerS, 6);
    expect(paperRates(ORG_LOAD, 0.1).stagedObjectSeconds).toBe(30);
  });
});

describe('org-scale in-memory chain store', () => {
  it('rejects a commit on a stale head, as the conditional write in DynamoDB does', async () => {
    const meter = new Meter(() => 0);
    const store = new SimChainStore(async () => {}, meter);
    const [a, b] = liveDrafts(2);
    const head0 = await store.head('org-100000000000');
    expect(head0).toEqual(emptyHead('org-100000000000'));
    const first = buildBatch(head0, [genesisDraft('org-100000000000', 't'), a], new Date(EPOCH));
    await store.commit(head0, first);
    // A second writer that read the empty head too loses the race.
    const stale = buildBatch(head0, [genesisDraft('org-100000000000', 't'), b], new Date(EPOCH));
    await expect(store.commit(head0, stale)).rejects.toBeInstanceOf(CommitConflictError);
    expect(await store.head('org-100000000000')).toEqual(first.newHead);
    expect([...(await store.committed('org-100000000000', first.claims))].sort()).toEqual(first.claims.map((c) => c.id).sort());
    expect((await store.committed('org-100000000000', stale.claims)).has(b.id)).toBe(false);
    expect(meter.total('ddb.casConflicts')).toBe(1);
    expect(meter.total('commits')).toBe(1);
  });

  it('lets the real commit path race on a virtual clock: one writer retries, every event is committed once', async () => {
    const clock = new VirtualClock();
    const meter = new Meter(() => clock.now);
    const sleep = (ms: number) => clock.sleep(ms);
    const deps = { store: new SimChainStore(sleep, meter), archive: new SimArchive(sleep, meter), origin: 't', clock: () => new Date(EPOCH + clock.now) };
    const drafts = liveDrafts(40);
    const outcomes = await withVirtualTimeouts(clock, async () => {
      const run = Promise.all([
        clock.runAs({ busyUntil: 0, cpuMs: 0 }, () => commitDrafts(deps, 'org-100000000000', drafts.slice(0, 25))),
        clock.runAs({ busyUntil: 0, cpuMs: 0 }, () => commitDrafts(deps, 'org-100000000000', drafts.slice(15))),
      ]);
      await clock.runUntil(60_000);
      return run;
    });
    const conflicts = outcomes.reduce((s, o) => s + o.conflicts, 0);
    expect(conflicts).toBeGreaterThanOrEqual(1);
    expect(meter.total('ddb.casConflicts')).toBe(conflicts);
    const events = outcomes.flatMap((o) => o.committed).filter((r) => r.chain.kind === 'event');
    expect(events.map((r) => r.chain.id).sort()).toEqual(drafts.map((d) => d.id).sort());
    // The loser's retry met the winner's ids in the id sets (the overlap of 10) and skipped them.
    expect(outcomes.reduce((s, o) => s + o.duplicates, 0)).toBe(10);
    // The backoff after the lost race happened in simulated time.
    expect(clock.now).toBeGreaterThan(0);
  });

  it('bills a transactional write two units per started KB', () => {
    expect(transactWru(1)).toBe(2);
    expect(transactWru(1024)).toBe(2);
    expect(transactWru(1025)).toBe(4);
  });
});

describe('org-scale virtual clock', () => {
  it("fires timers in time order without sleeping, and moves a worker's later timers by the CPU it spent", async () => {
    const clock = new VirtualClock();
    const seen: string[] = [];
    const worker = { busyUntil: 0, cpuMs: 0 };
    const done = clock.runAs(worker, async () => {
      await clock.sleep(100);
      seen.push(`w@${clock.now}`);
      let x = 0;
      for (let i = 0; i < 2e6; i++) x += i % 7;
      seen.push(String(x > 0));
      await clock.sleep(10);
      seen.push('w2');
      return clock.now;
    });
    clock.at(50, () => seen.push('p@50'));
    await clock.runUntil(10_000);
    const end = await done;
    expect(seen.slice(0, 2)).toEqual(['p@50', 'w@100']);
    expect(worker.cpuMs).toBeGreaterThan(0);
    // 100 ms + the loop's CPU + 10 ms (cpuMs also holds the bits before the first wait and after the last).
    expect(end).toBeGreaterThan(110);
    expect(end).toBeLessThanOrEqual(110 + worker.cpuMs + 1e-9);
  });
});

describe('org-scale trail file cost fit', () => {
  it('recovers a·n + b·n² from exact points and solves for the largest file within a budget', () => {
    const f = { a: 0.05, b: 2e-5 };
    const pts = [1000, 4000, 8000, 16000].map((n) => ({ events: n, cpuMs: fileCpuMs(f, n) }));
    const fit = fitFileCost(pts);
    expect(fit.a).toBeCloseTo(0.05, 6);
    expect(fit.b).toBeCloseTo(2e-5, 10);
    const n = maxFileEvents(fit, 300_000);
    expect(fileCpuMs(fit, n)).toBeCloseTo(300_000, 3);
    expect(maxFileEvents({ a: 0.1, b: 0 }, 1000)).toBeCloseTo(10_000, 6);
  });
});

describe('org-scale trail file cost fit, noisy timings', () => {
  it('never returns a negative term: a noisy linear part falls back to the quadratic alone, and the other way round', () => {
    // 8,000 events measured fast (a GC pause elsewhere), 16,000 slow: a free fit would give a < 0.
    const fit = fitFileCost([
      { events: 2000, cpuMs: 249 },
      { events: 4000, cpuMs: 543 },
      { events: 8000, cpuMs: 821 },
      { events: 16000, cpuMs: 5971 },
    ]);
    expect(fit.a).toBe(0);
    expect(fit.b).toBeGreaterThan(0);
    const linear = fitFileCost([
      { events: 1000, cpuMs: 120 },
      { events: 2000, cpuMs: 200 },
      { events: 4000, cpuMs: 390 },
    ]);
    expect(linear.a).toBeGreaterThan(0);
    expect(linear.b).toBeGreaterThanOrEqual(0);
  });
});
