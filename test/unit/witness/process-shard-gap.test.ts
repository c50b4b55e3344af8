import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { checkpointOpener } from '../../../lib/core/witness/log-opener';
import { ed25519FromSeed } from '../../../lib/core/witness/ed25519-key';
import { readLeaves } from '../../../lib/prove/batch-log';
import { MemoryIndexTable } from '../../../lib/prove/memory-index-table';
import { buildShardTiles } from '../../../lib/seal/tiles';
import { processShard } from '../../../lib/witness/process-shard';
import type { RefusalReport } from '../../../lib/witness/refusal-alert';
import type { WitnessState, WitnessStateStore } from '../../../lib/witness/state-store';
import type { WitnessDeps } from '../../../lib/witness/witness-deps';
import { append, newTestLog, sealedObjects, type TestLog } from '../../support/witness-log';
import { memoryTileBucket, seedBatchLog } from '../prove/memory-archive';

const SHARD = 'api';

/** The audit bucket as the witness reads it, and the witness's own state, in memory. */
function world(log: TestLog) {
  const objects = new Map<string, Buffer>();
  const states = new Map<string, WitnessState>();
  const alerts: RefusalReport[] = [];
  const cosigned: string[] = [];
  const stateStore: WitnessStateStore = {
    get: async (origin) => states.get(origin) ?? null,
    advance: async (prev, next) => {
      if ((states.get(next.origin)?.lastKey ?? null) !== (prev?.lastKey ?? null)) return false;
      states.set(next.origin, next);
      return true;
    },
    markPublished: async (s) => void states.set(s.origin, { ...s, published: true }),
    refuse: async (origin, refusal) => void states.set(origin, { ...states.get(origin)!, refusal }),
  };
  const deps: WitnessDeps = {
    source: {
      shards: async () => [SHARD],
      requestsAfter: async (shard, after) =>
        [...objects.keys()].filter((k) => k.startsWith(`checkpoints/shards/${shard}/`) && k.endsWith('.add-checkpoint') && k > after).sort(),
      read: async (key) => {
        const body = objects.get(key);
        if (!body) throw Object.assign(new Error(`no ${key}`), { name: 'NoSuchKey' });
        return body;
      },
    },
    states: stateStore,
    store: { put: async (_shard, stem) => void cosigned.push(stem), offer: async () => undefined, putPublicKey: async () => undefined },
    alert: async (r) => void alerts.push(r),
    open: checkpointOpener(log.keys.publicKey),
    key: ed25519FromSeed(Buffer.alloc(32, 7)),
    keyName: 'witness.test/w1',
    archiveOrigin: log.origin.slice(0, -`/${SHARD}`.length),
  };
  /** The seal's objects for the log's current size: the note, its request from `oldSize` (unless lost), the tiles. */
  const seal = async (oldSize: number, opts: { requestLost?: boolean } = {}) => {
    for (const [key, body] of sealedObjects(log, SHARD, oldSize)) if (!(opts.requestLost && key.endsWith('.add-checkpoint'))) objects.set(key, body);
    const table = new MemoryIndexTable();
    seedBatchLog(table, SHARD, log.leaves, () => 50);
    const tiles = memoryTileBucket();
    await buildShardTiles(tiles.store, (s, from, to) => readLeaves(table, s, from, to, { consistent: true }), {
      shard: SHARD,
      previousSize: 0,
      size: log.leaves.length,
    });
    for (const [key, body] of tiles.objects) objects.set(key, body);
  };
  return { deps, objects, alerts, cosigned, states, seal };
}

describe('a witness that missed a size', () => {
  it("cosigns across a lost request with a proof it reads from the archive's tiles", async () => {
    const log = newTestLog('immutrail/test/api');
    const w = world(log);
    append(log, 300);
    await w.seal(0);
    expect(await processShard(w.deps, SHARD)).toEqual({ shard: SHARD, cosigned: 1 });
    append(log, 700);
    await w.seal(300, { requestLost: true }); // the seal's tile step failed: no request for 1,000
    append(log, 24);
    await w.seal(1000); // "old 1000", a size the witness never saw
    expect(await processShard(w.deps, SHARD)).toEqual({ shard: SHARD, cosigned: 1 });
    expect(w.alerts).toEqual([]);
    expect([...w.states.values()][0]).toMatchObject({ size: 1024, published: true });
  });

  it('cosigns the first checkpoint it sees on a log that started before it', async () => {
    const log = newTestLog('immutrail/test/api');
    const w = world(log);
    append(log, 500);
    await w.seal(0, { requestLost: true });
    append(log, 10);
    await w.seal(500);
    expect(await processShard(w.deps, SHARD)).toEqual({ shard: SHARD, cosigned: 1 });
    expect([...w.states.values()][0]).toMatchObject({ size: 510 });
  });

  it('still refuses when the tiles show a history other than the one it cosigned', async () => {
    const log = newTestLog('immutrail/test/api');
    const w = world(log);
    append(log, 300);
    await w.seal(0);
    await processShard(w.deps, SHARD);
    // A forged history with the same key: different leaves from the start, tiles and requests to match.
    const fork: TestLog = { ...log, leaves: log.leaves.map(() => randomBytes(32)) };
    const forked = world(fork);
    append(fork, 700);
    await forked.seal(300, { requestLost: true });
    append(fork, 24);
    await forked.seal(1000);
    for (const [k, v] of forked.objects) if (!w.objects.has(k)) w.objects.set(k, v);
    for (const [k, v] of forked.objects) if (k.startsWith('tiles/')) w.objects.set(k, v);
    const out = await processShard(w.deps, SHARD);
    expect(out.cosigned).toBe(0);
    expect(out.refused).toBeDefined();
    expect(w.alerts).toHaveLength(1);
  });
});
