import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

// The layer rule itself runs as `npm run lint:deps` (dependency-cruiser). These
// tests keep its three descriptions in step: layers.cjs (the source), the
// rules .dependency-cruiser.cjs builds from it, and README.md's "Code map".

const ROOT = resolve(__dirname, '..', '..');

interface Layer {
  folder: string;
  holds: string;
  imports: string[];
}
interface Rule {
  name: string;
  from: { path?: string; pathNot?: string };
  to: { path?: string; pathNot?: string };
}
// eslint-disable-next-line @typescript-eslint/no-require-imports -- the CommonJS config files are the subject under test
const layers = require(join(ROOT, 'layers.cjs')) as { LAYERS: Layer[]; KNOWN_EXCEPTIONS: { from: string; to: string; why: string }[] };
// eslint-disable-next-line @typescript-eslint/no-require-imports -- as above
const cruiser = require(join(ROOT, '.dependency-cruiser.cjs')) as { forbidden: Rule[] };

/** The rows of the README's Code map table: folder, what it holds, what it may import. */
function readmeCodeMap(): Layer[] {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf('\n## Code map\n');
  expect(start, 'README.md has a "## Code map" section').toBeGreaterThan(0);
  const section = readme.slice(start + 1, readme.indexOf('\n## ', start + 1));
  const rows = section.split('\n').filter((l) => /^\| `/.test(l));
  return rows.map((row) => {
    const [folder, holds, imports] = row.split(' | ').map((c) => c.replace(/^\| |\s*\|$/g, ''));
    const names = imports === 'anything' ? ['any'] : imports === 'nothing outside itself' ? [] : imports.split(', ').map((f) => f.replace(/`/g, ''));
    return { folder: folder.replace(/`/g, ''), holds, imports: names };
  });
}

/** Folders in dependency order, or the folders left on a cycle. */
function topologicalOrder(edges: Map<string, string[]>): { order: string[]; cyclic: string[] } {
  const indegree = new Map([...edges.keys()].map((k) => [k, 0]));
  for (const tos of edges.values()) for (const t of tos) indegree.set(t, (indegree.get(t) ?? 0) + 1);
  const ready = [...indegree].filter(([, n]) => n === 0).map(([k]) => k);
  const order: string[] = [];
  while (ready.length > 0) {
    const k = ready.pop()!;
    order.push(k);
    for (const t of edges.get(k) ?? []) {
      indegree.set(t, indegree.get(t)! - 1);
      if (indegree.get(t) === 0) ready.push(t);
    }
  }
  return { order, cyclic: [...indegree].filter(([, n]) => n > 0).map(([k]) => k) };
}

describe('layers: one description, checked by dependency-cruiser', () => {
  it("README.md's Code map lists exactly the layers of layers.cjs, with the same imports", () => {
    const expected = layers.LAYERS.map((l) => ({ ...l, imports: [...l.imports] }));
    expect(readmeCodeMap()).toEqual(expected);
  });

  it('every folder of lib/ (and the files directly in it) has a layer', () => {
    const declared = new Set(layers.LAYERS.map((l) => l.folder));
    const onDisk = readdirSync(join(ROOT, 'lib'), { withFileTypes: true }).map((e) => (e.isDirectory() ? `lib/${e.name}` : 'lib/*.ts'));
    expect([...new Set(onDisk)].filter((f) => !declared.has(f))).toEqual([]);
  });

  it('the allowed imports form no cycle between folders (known exceptions aside) and name only declared folders', () => {
    const declared = new Set(layers.LAYERS.map((l) => l.folder));
    const edges = new Map(layers.LAYERS.map((l) => [l.folder, l.imports.filter((i) => i !== 'any')]));
    for (const tos of edges.values()) for (const t of tos) expect(declared.has(t), t).toBe(true);
    const { order, cyclic } = topologicalOrder(edges);
    expect(cyclic).toEqual([]);
    expect(order).toHaveLength(declared.size);
    for (const e of layers.KNOWN_EXCEPTIONS) expect(e.why.length, `${e.from} -> ${e.to} says why`).toBeGreaterThan(20);
  });

  it('dependency-cruiser has one rule per restricted layer, forbidding exactly what the layer may not import', () => {
    for (const layer of layers.LAYERS.filter((l) => !l.imports.includes('any'))) {
      const rule = cruiser.forbidden.find((r) => r.name === `layer-${layer.folder.replace(/[^a-z0-9]+/gi, '-').replace(/-+$/, '')}`);
      expect(rule, layer.folder).toBeDefined();
      const from = new RegExp(rule!.from.path!);
      const allowed = new RegExp(rule!.to.pathNot!);
      const sample = (folder: string) => (folder === 'lib/*.ts' ? 'lib/entry.ts' : `${folder}/x.ts`);
      expect(from.test(sample(layer.folder))).toBe(true);
      const exceptions = layers.KNOWN_EXCEPTIONS.filter((e) => e.from === layer.folder).map((e) => e.to);
      for (const other of layers.LAYERS) {
        const may = other.folder === layer.folder || layer.imports.includes(other.folder) || exceptions.includes(other.folder);
        expect(allowed.test(sample(other.folder)), `${layer.folder} -> ${other.folder}`).toBe(may);
      }
    }
  });
});
