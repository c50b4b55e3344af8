import type { Notice, Problem } from './problems';

/**
 * Objects are read in parallel: findings are put in one order (shard, sequence,
 * object key, code) so that the same archive always gives the same report.
 * The sort is stable, so findings equal in all four keep the order they were found in.
 */
export function orderFindings<T extends Problem | Notice>(findings: T[]): T[] {
  const seq = (f: Problem | Notice) => ('seq' in f && f.seq !== undefined ? f.seq : -1);
  return findings.sort(
    (a, b) => (a.shard ?? '').localeCompare(b.shard ?? '') || seq(a) - seq(b) || (a.key ?? '').localeCompare(b.key ?? '') || a.code.localeCompare(b.code),
  );
}
