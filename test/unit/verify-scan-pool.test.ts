import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildBatch, emptyHead, genesisDraft, type ChainHead } from '../../lib/core/chain';
import { scanBatch } from '../../lib/verify/scan-batch';
import { inlineScanner, prestartedWorkers, prestartWorkers, workerScanner, type LocalObject } from '../../lib/verify/scan-pool';

describe('scan pool', () => {
  const dir = mkdtempSync(join(tmpdir(), 'immutrail-pool-'));
  const pools = { inline: inlineScanner(), workers: workerScanner(2) };
  afterAll(async () => {
    await Promise.all(Object.values(pools).map((p) => p.close()));
    rmSync(dir, { recursive: true, force: true });
  });

  // A chain of 30 one-record objects written as files, and one listed file that is missing.
  const objects: LocalObject[] = [];
  const bodies: Buffer[] = [];
  let head: ChainHead = emptyHead('api');
  for (let i = 0; i < 30; i++) {
    const b = buildBatch(
      head,
      [
        i === 0
          ? genesisDraft('api', 'o')
          : { kind: 'coverage', id: `c${i}`, data: { logFile: `f${i}`, total: i, archived: i, recovered: 0, skipped: 0, digestSha256: null } },
      ],
      new Date(Date.UTC(2026, 0, 1)),
    );
    head = b.newHead;
    writeFileSync(join(dir, `${i}`), b.body);
    objects.push({ key: b.key, path: join(dir, `${i}`), size: b.body.length });
    bodies.push(b.body);
  }
  objects.splice(7, 0, { key: objects[7].key, path: join(dir, 'gone'), size: 1 });

  it.each(Object.keys(pools) as (keyof typeof pools)[])('%s: gives each job its own results in order, however jobs interleave', async (name) => {
    const pool = pools[name];
    const runs = [objects.slice(0, 5), objects.slice(5, 6), objects.slice(6, 20), objects.slice(20)];
    const results = (await Promise.all(runs.map((r) => pool.scanFiles(r, { collectIds: true })))).flat();
    const expected = objects.map((o) => (o.path.endsWith('gone') ? null : scanBatch(o.key, bodies[Number(o.path.split('/').at(-1))], { collectIds: true })));
    results.forEach((r, i) => {
      if (expected[i] === null) expect(r).toEqual([expect.objectContaining({ code: 'UNREADABLE', key: objects[i].key })]);
      else expect(r).toEqual(expected[i]);
    });
    expect(await pool.scan({ key: objects[0].key, body: bodies[0] })).toEqual(scanBatch(objects[0].key, bodies[0]));
  });

  it('adopts workers started ahead, scans with them, and stops those no pool adopts', async () => {
    prestartWorkers(2);
    expect(prestartedWorkers()).toBe(2);
    const pool = workerScanner(1);
    expect(prestartedWorkers()).toBe(1);
    try {
      expect(await pool.scanFiles(objects.slice(0, 3))).toEqual(objects.slice(0, 3).map((o, i) => scanBatch(o.key, bodies[i])));
    } finally {
      await pool.close();
    }
    // The one left over was started with the default wait; a short one stops it.
    prestartWorkers(2, 50);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(prestartedWorkers()).toBe(1);
  });

  it('does not keep a process alive with workers no pool adopted', () => {
    // Told to wait a minute for a pool: the process still ends at once when its own work is done.
    const child = spawnSync(
      process.execPath,
      ['-e', "require('tsx/cjs/api').register(); require('./lib/verify/scan-pool').prestartWorkers(1, 60000); console.log('started')"],
      { cwd: join(__dirname, '../..'), encoding: 'utf8', timeout: 30_000 },
    );
    expect(child.error).toBeUndefined();
    expect(child.status).toBe(0);
    expect(child.stdout.trim()).toBe('started');
  });
});
