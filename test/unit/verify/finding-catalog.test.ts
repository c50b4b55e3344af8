import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * docs/FORMAT.md section 5 lists every finding the verifier reports; the union
 * types in lib/verify/problems.ts are what the verifier can report. Either one
 * changing alone fails here.
 */

const root = join(__dirname, '../../..');

/** The string literals of `export type <name> = ...` in problems.ts, comments left out. */
function unionMembers(source: string, name: string): string[] {
  const start = source.indexOf(`export type ${name} =`);
  expect(start, `${name} in problems.ts`).toBeGreaterThanOrEqual(0);
  const rest = source.slice(start);
  const end = rest.indexOf('\nexport ', 1);
  const text = (end < 0 ? rest : rest.slice(0, end))
    .split('\n')
    .map((line) => line.replace(/\/\/.*$/, ''))
    .join('\n');
  return [...text.matchAll(/'([A-Z_]+)'/g)].map((m) => m[1]);
}

/** Rows of section 5's findings table: code, kind and exit code. */
function catalog(format: string): { code: string; kind: string; exit: string }[] {
  const section = format.slice(format.indexOf('## 5. Verification'), format.indexOf('\n## 6.'));
  const table = section.slice(section.indexOf('#### Findings'));
  return [...table.matchAll(/^\| `([A-Z_]+)` \| (problem|note) \| (\d) \|/gm)].map((m) => ({ code: m[1], kind: m[2], exit: m[3] }));
}

describe('the findings table of FORMAT.md section 5', () => {
  const problems = readFileSync(join(root, 'lib/verify/problems.ts'), 'utf8');
  const rows = catalog(readFileSync(join(root, 'docs/FORMAT.md'), 'utf8'));
  const sorted = (xs: readonly string[]) => [...new Set(xs)].sort();

  it('lists each code once', () => {
    expect(rows.length).toBeGreaterThan(20);
    expect(sorted(rows.map((r) => r.code))).toHaveLength(rows.length);
  });

  it('lists exactly the problem codes of problems.ts, each as a problem that exits 1', () => {
    const listed = rows.filter((r) => r.kind === 'problem');
    expect(sorted(listed.map((r) => r.code))).toEqual(sorted(unionMembers(problems, 'ProblemCode')));
    expect(new Set(listed.map((r) => r.exit))).toEqual(new Set(['1']));
  });

  it('lists exactly the note codes of problems.ts, each as a note that exits 0', () => {
    const listed = rows.filter((r) => r.kind === 'note');
    expect(sorted(listed.map((r) => r.code))).toEqual(sorted(unionMembers(problems, 'NoticeCode')));
    expect(new Set(listed.map((r) => r.exit))).toEqual(new Set(['0']));
  });
});
