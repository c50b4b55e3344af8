import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ArchiveManifest } from '../archive/generate';
import { median, round } from '../cpu/measure';
import { opensslVersion, timeOpensslSha256 } from '../cpu/openssl';

export class PackageBenchError extends Error {
  readonly code = 'PACKAGE_BENCH_FAILED';
}

const MB = 1e6;

/** Wall seconds of `node args...` run to completion; throws unless it exits 0. */
function wallSeconds(args: readonly string[], cwd: string): number {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, args, { cwd, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  const s = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new PackageBenchError(`node ${args.join(' ')} exited with ${r.status}: ${r.stderr.trim().split('\n').at(-1)}`);
  return s;
}

/** The compiled CLI, rebuilt (`npm run build`) before it is measured. */
export function compiledCli(repoRoot: string): string {
  const bin = join(repoRoot, 'dist', 'bin', 'immutrail.js');
  // Always rebuilt: a dist/ left from an older checkout would measure code that is no longer there.
  const r = spawnSync('npm', ['run', 'build', '--silent'], { cwd: repoRoot, stdio: 'inherit' });
  if (r.status !== 0 || !existsSync(bin)) throw new PackageBenchError('npm run build failed');
  return bin;
}

/**
 * Start-up of the compiled CLI: `verify-proof --help` and `verify --help`,
 * each run interleaved with `node -e ""` (Node's own start-up, the floor on
 * this machine at this moment), medians of `runs`.
 */
export function measureStartup(bin: string, cwd: string, runs: number) {
  const samples = { verifyProofHelp: [] as number[], verifyHelp: [] as number[], node: [] as number[] };
  for (let i = 0; i < runs; i++) {
    samples.node.push(wallSeconds(['-e', ''], cwd));
    samples.verifyProofHelp.push(wallSeconds([bin, 'verify-proof', '--help'], cwd));
    samples.verifyHelp.push(wallSeconds([bin, 'verify', '--help'], cwd));
  }
  const node = median(samples.node);
  return {
    runs,
    node_s: round(node, 3),
    verify_proof_help_s: round(median(samples.verifyProofHelp), 3),
    verify_help_s: round(median(samples.verifyHelp), 3),
    verify_proof_help_over_node_s: round(median(samples.verifyProofHelp) - node, 3),
    verify_help_over_node_s: round(median(samples.verifyHelp) - node, 3),
  };
}

/**
 * `immutrail verify --dir` through the compiled CLI (a process, start-up
 * included, as a user runs it) against `openssl dgst -sha256` on the same
 * bytes, alternately, best of `repeats` each (as bench/cpu/verify-task.ts).
 */
export function measureCliThroughput(bin: string, m: ArchiveManifest, outDir: string, repeats: number) {
  const pem = join(outDir, 'package-bench-key.pem');
  writeFileSync(pem, m.publicKeyPem);
  const cli: number[] = [];
  const openssl: number[] = [];
  // One untimed run of each first, so that both read from the page cache rather than the disk (as bench/cpu/verify-task.ts warms them).
  timeOpensslSha256(m.concatFile);
  wallSeconds([bin, 'verify', '--dir', m.archiveDir, '--public-key', pem], outDir);
  for (let i = 0; i < repeats; i++) {
    openssl.push(timeOpensslSha256(m.concatFile).wallMs / 1000);
    cli.push(wallSeconds([bin, 'verify', '--dir', m.archiveDir, '--public-key', pem], outDir));
  }
  const mb = m.bytes / MB;
  const cliS = Math.min(...cli);
  const opensslS = Math.min(...openssl);
  return {
    records: m.records,
    mb: round(mb),
    repeats,
    cli_verify_wall_s: round(cliS, 2),
    cli_verify_mb_per_s: round(mb / cliS),
    openssl: opensslVersion(),
    openssl_wall_s: round(opensslS, 2),
    openssl_mb_per_s: round(mb / opensslS),
    cli_vs_openssl_ratio: round(opensslS / cliS, 3),
  };
}
