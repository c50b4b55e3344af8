import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { build } from 'esbuild';

export class ChildTaskError extends Error {
  readonly code = 'CHILD_TASK_FAILED';
}

/**
 * Bundles an entry as lib/construct/trail-function.ts bundles the Lambdas
 * (esbuild, minified, CommonJS, every dependency inlined) for the Node version
 * running the bench, and returns the bundle's path.
 */
export async function bundleEntry(entry: string, outFile: string): Promise<string> {
  await build({
    entryPoints: [entry],
    outfile: outFile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: `node${process.versions.node.split('.')[0]}`,
    minify: true,
    logLevel: 'warning',
  });
  return outFile;
}

/** Runs `node file ...args` in a fresh process; stderr is passed through, the last stdout line is parsed as JSON. */
export function runJsonChild<T>(file: string, args: string[], nodeArgs: string[] = []): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...nodeArgs, file, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) return reject(new ChildTaskError(`${file} ${args[0] ?? ''} exited with ${code}`));
      try {
        resolve(JSON.parse(out.trim().split('\n').at(-1)!) as T);
      } catch {
        reject(new ChildTaskError(`${file} ${args[0] ?? ''} printed no JSON result`));
      }
    });
  });
}

/** A task of bench/cpu/main.ts from the Lambda-style bundle (what the deployed ingest function runs). */
export const bundledTask = <T>(bundle: string, task: string, args: object): Promise<T> => runJsonChild<T>(bundle, [task, JSON.stringify(args)]);

/** A task of bench/cpu/main.ts run through tsx, as the `immutrail` CLI runs (bin/immutrail.ts). */
export const cliLikeTask = <T>(task: string, args: object): Promise<T> =>
  runJsonChild<T>(join(__dirname, 'cpu', 'main.ts'), [task, JSON.stringify(args)], ['--import', 'tsx', '--no-warnings']);

export const BENCH_DIR = __dirname;
export const REPO_ROOT = join(__dirname, '..');
