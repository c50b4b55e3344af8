import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(__dirname, '..', '..');
const CORE = join(ROOT, 'lib', 'core');

/** Packages the core must never reach, directly or through what it imports: AWS clients, CDK, Lambda runtime. */
const FORBIDDEN = [/^@aws-sdk\//, /^aws-cdk-lib(\/|$)/, /^constructs$/, /^cdk-nag$/, /^@aws-lambda-powertools\//, /^@middy\//];

const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+'([^']+)'|(?:^|\n)\s*import\s+'([^']+)'|\bimport\('([^']+)'\)|\brequire\('([^']+)'\)/g;

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? tsFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

function resolveLocal(from: string, spec: string): string | null {
  const base = resolve(dirname(from), spec);
  for (const candidate of [`${base}.ts`, join(base, 'index.ts')]) if (existsSync(candidate)) return candidate;
  return null;
}

/** Every bare module the file reaches through relative imports, with the chain that reaches it. */
function reachedPackages(entry: string): Map<string, string[]> {
  const packages = new Map<string, string[]>();
  const seen = new Set<string>();
  const stack: { file: string; via: string[] }[] = [{ file: entry, via: [] }];
  while (stack.length > 0) {
    const { file, via } = stack.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const path = [...via, relative(ROOT, file)];
    for (const m of readFileSync(file, 'utf8').matchAll(IMPORT)) {
      const spec = m[1] ?? m[2] ?? m[3] ?? m[4];
      if (spec.startsWith('.')) {
        const next = resolveLocal(file, spec);
        if (next) stack.push({ file: next, via: path });
      } else if (!packages.has(spec)) packages.set(spec, path);
    }
  }
  return packages;
}

// The core (format, chain, Merkle, checkpoints, normalization, detectors) is the part a second verifier and the
// tests rely on without AWS: it must not import an AWS client or the CDK, directly or transitively.
describe('layers: lib/core stays free of AWS clients and the CDK', () => {
  it('no file under lib/core reaches an AWS SDK client, aws-cdk-lib, constructs, Powertools or middy', () => {
    const offences: string[] = [];
    for (const file of tsFiles(CORE)) {
      for (const [pkg, via] of reachedPackages(file)) {
        if (FORBIDDEN.some((re) => re.test(pkg))) offences.push(`${pkg} via ${via.join(' -> ')}`);
      }
    }
    expect(offences).toEqual([]);
  });

  it('the check itself finds a forbidden import (it cannot pass by reading nothing)', () => {
    const seen = reachedPackages(join(ROOT, 'lib', 'aws', 'chain-store.ts'));
    expect([...seen.keys()].some((p) => p.startsWith('@aws-sdk/'))).toBe(true);
    expect(tsFiles(CORE).length).toBeGreaterThan(40);
  });
});
