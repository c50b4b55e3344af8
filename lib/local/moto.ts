import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { ImmutrailError } from '../core/errors';

/** A running moto_server on a loopback port. */
export interface MotoServer {
  endpoint: string;
  /** The server's process, so callers can read its memory (/proc/<pid>/status). */
  pid?: number;
  stop(): Promise<void>;
}

/** Peak resident memory of a process in bytes (VmHWM), or null where /proc is not readable. */
export function peakRssBytes(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

export class MotoMissingError extends ImmutrailError {
  readonly code = 'MOTO_MISSING';
  constructor() {
    super('moto_server not found on PATH: install it with pip install "moto[server]"');
  }
}

export function motoAvailable(): boolean {
  const r = spawnSync('moto_server', ['--help'], { stdio: 'ignore' });
  return r.error === undefined && r.status === 0;
}

/**
 * moto_server serves each request on its own thread, and its DynamoDB
 * transactions are not atomic across threads: two racing conditional writes can
 * both succeed, which real DynamoDB never allows. Serving one request at a time
 * restores the atomicity that the chain's compare-and-swap relies on.
 */
const SERIAL_SERVER = [
  'import sys',
  'from werkzeug.serving import run_simple',
  'from moto.server import DomainDispatcherApplication, create_backend_app',
  'app = DomainDispatcherApplication(create_backend_app)',
  'run_simple(sys.argv[1], int(sys.argv[2]), app, threaded=False)',
].join('\n');

function serialServerAvailable(): boolean {
  const r = spawnSync('python3', ['-c', 'import moto.server, werkzeug.serving'], { stdio: 'ignore' });
  return r.error === undefined && r.status === 0;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

async function waitUntilUp(endpoint: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`moto_server exited with code ${child.exitCode} before it was ready`);
    try {
      const res = await fetch(`${endpoint}/moto-api/`);
      if (res.status < 500) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`moto_server did not answer on ${endpoint} within ${timeoutMs} ms`);
}

/** Starts moto_server on a free loopback port and waits until it answers. */
export async function startMoto(timeoutMs = 30_000): Promise<MotoServer> {
  if (!motoAvailable()) throw new MotoMissingError();
  const port = await freePort();
  const [cmd, args] = serialServerAvailable()
    ? ['python3', ['-c', SERIAL_SERVER, '127.0.0.1', String(port)]]
    : ['moto_server', ['-H', '127.0.0.1', '-p', String(port)]];
  const child = spawn(cmd, args, {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, MOTO_ALLOW_NONEXISTENT_REGION: 'true' },
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  const endpoint = `http://127.0.0.1:${port}`;
  try {
    await waitUntilUp(endpoint, child, timeoutMs);
  } catch (err) {
    child.kill('SIGKILL');
    throw new Error(`${(err as Error).message}\n${stderr}`, { cause: err });
  }
  return {
    endpoint,
    pid: child.pid,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 3000).unref();
      }),
  };
}
