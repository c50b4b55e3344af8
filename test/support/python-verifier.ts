import { spawnSync } from 'node:child_process';
import { describe, it } from 'vitest';

/**
 * Whether the second, independent verifier (interop/python) can run here:
 * python3 and the modules it needs. When it cannot, the file registers a
 * visible skip that states why, so a machine without python3 shows the gap
 * in the report instead of passing silently. Where these tests run
 * moto_server (CI, .ci/run) python3 and `cryptography` are always present,
 * since moto itself needs both, so in CI nothing skips.
 */
export function pythonVerifierAvailable(suite: string, modules: readonly string[] = []): boolean {
  const probe = modules.length > 0 ? `import ${modules.join(', ')}` : 'pass';
  const ok = spawnSync('python3', ['-c', probe], { encoding: 'utf8' }).status === 0;
  if (!ok) {
    const needs = modules.length > 0 ? `python3 with ${modules.join(', ')}` : 'python3 on PATH';
    describe(suite, () => it.skip(`needs ${needs}, which was not found`, () => {}));
  }
  return ok;
}
