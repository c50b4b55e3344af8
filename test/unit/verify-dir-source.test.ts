import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DirSource } from '../../lib/verify/dir-source';

describe('DirSource', () => {
  let root: string;
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'immutrail-dir-'));
    const put = (key: string, bytes: number) => {
      mkdirSync(join(root, ...key.split('/').slice(0, -1)), { recursive: true });
      writeFileSync(join(root, ...key.split('/')), Buffer.alloc(bytes, 0x61));
    };
    put('records/shard=b/dt=2026-01-02/2.ndjson', 3);
    put('records/shard=b/dt=2026-01-01/1.ndjson', 2);
    put('records/shard=a/x.ndjson', 1);
    put('records/shard=a/dt=2026-01-01/0.ndjson', 5);
    put('checkpoints/c.note', 4);
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  const list = async (prefix: string) => {
    const out: { key: string; size?: number }[] = [];
    for await (const o of new DirSource(root).list(prefix)) out.push(o);
    return out;
  };

  it('lists keys under a prefix in name order, without a stat per file', async () => {
    expect(await list('records/')).toEqual([
      { key: 'records/shard=a/dt=2026-01-01/0.ndjson' },
      { key: 'records/shard=a/x.ndjson' },
      { key: 'records/shard=b/dt=2026-01-01/1.ndjson' },
      { key: 'records/shard=b/dt=2026-01-02/2.ndjson' },
    ]);
    expect((await list('records/shard=b/')).map((o) => o.key)).toEqual(['records/shard=b/dt=2026-01-01/1.ndjson', 'records/shard=b/dt=2026-01-02/2.ndjson']);
    expect((await list('records/shard=a/x')).map((o) => o.key)).toEqual(['records/shard=a/x.ndjson']);
    expect(await list('checkpoints/')).toEqual([{ key: 'checkpoints/c.note' }]);
    expect(await list('nothing/')).toEqual([]);
    expect((await list('')).length).toBe(5);
  });

  it('maps keys to files as path.join does, the plain keys of a listing by a shorter way', async () => {
    const s = new DirSource(root);
    expect(s.localPath('records/shard=a/x.ndjson')).toBe(join(root, 'records', 'shard=a', 'x.ndjson'));
    for (const key of ['records/../x', 'a//b', './a', 'a/./b/']) expect(s.localPath(key)).toBe(join(root, ...key.split('/')));
    expect((await s.get('records/shard=a/x.ndjson')).toString()).toBe('a');
  });
});
