import { spawnSync } from 'node:child_process';
import type { Timing } from './measure';

export class OpensslError extends Error {
  readonly code = 'OPENSSL_FAILED';
}

/**
 * `openssl dgst -sha256 file`, timed by the shell's `time` (wall, user, sys):
 * the SHA-256 limit of this machine on the same bytes the verifier hashes.
 */
export function timeOpensslSha256(file: string): Timing & { digest: string } {
  const script = `TIMEFORMAT='%R %U %S'; time openssl dgst -sha256 -r "$1"`;
  const r = spawnSync('bash', ['-c', script, 'bash', file], { encoding: 'utf8' });
  if (r.status !== 0) throw new OpensslError(`openssl dgst failed: ${r.stderr || r.error?.message}`);
  const [real, user, sys] = r.stderr.trim().split('\n').at(-1)!.split(' ').map(Number);
  return { wallMs: real * 1000, cpuMs: (user + sys) * 1000, digest: r.stdout.split(' ')[0] };
}

export function opensslVersion(): string {
  return spawnSync('openssl', ['version'], { encoding: 'utf8' }).stdout.trim();
}
