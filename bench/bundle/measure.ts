import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { LAMBDA_ENTRIES } from '../../lib/construct/trail-function';
import { median, round } from '../cpu/measure';

export class BundleError extends Error {
  readonly code = 'BUNDLE_INIT_FAILED';
}

function folderBytes(dir: string): number {
  let n = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) n += e.isDirectory() ? folderBytes(join(dir, e.name)) : statSync(join(dir, e.name)).size;
  return n;
}

/**
 * Loads the bundle in a fresh Node process and times require() (module init,
 * what a cold start pays before the handler runs), then one invocation with
 * no records (which builds the runtime: clients, detector config, Sigma rules).
 */
const PROBE = `
const t0 = performance.now();
const { handler } = require(process.argv[1]);
const t1 = performance.now();
const write = process.stdout.write.bind(process.stdout);
process.stdout.write = () => true;
console.warn = () => {};
handler({ Records: [] }, { functionName: 'bench', memoryLimitInMB: '1024', awsRequestId: 'bench', invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:bench' })
  .then(() => { const t2 = performance.now(); process.stdout.write = write; console.log(JSON.stringify({ require: t1 - t0, firstInvoke: t2 - t1 })); });
`;

/** The ingest handler bundled as lib/construct/trail-function.ts configures NodejsFunction, its size and init time. */
export async function measureIngestBundle(repoRoot: string, outDir: string, runs = 5) {
  const dir = join(outDir, 'bundle-ingest');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'index.js');
  await build({
    entryPoints: [join(repoRoot, LAMBDA_ENTRIES.ingest)],
    outfile: file,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node24',
    minify: true,
    sourcemap: true,
    logLevel: 'warning',
  });
  // afterBundling copies the project's Sigma rules next to the handler, where ingestRuntime looks for them.
  cpSync(join(repoRoot, 'rules', 'sigma'), join(dir, 'rules', 'sigma'), { recursive: true });
  const env = {
    ...process.env,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'bench',
    AWS_SECRET_ACCESS_KEY: 'bench',
    IMMUTRAIL_TABLE: 'bench',
    IMMUTRAIL_ARCHIVE_BUCKET: 'bench',
    IMMUTRAIL_ORIGIN: 'bench',
    NODE_OPTIONS: '--enable-source-maps',
  };
  const requireMs: number[] = [];
  const firstInvokeMs: number[] = [];
  for (let i = 0; i < runs; i++) {
    const r = spawnSync(process.execPath, ['-e', PROBE, file], { env, encoding: 'utf8' });
    if (r.status !== 0) throw new BundleError(`the ingest bundle did not load: ${r.stderr.slice(-2000)}`);
    const t = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { require: number; firstInvoke: number };
    requireMs.push(t.require);
    firstInvokeMs.push(t.firstInvoke);
  }
  return {
    bundle_bytes: statSync(file).size,
    source_map_bytes: statSync(`${file}.map`).size,
    sigma_rules_bytes: folderBytes(join(dir, 'rules')),
    init_ms: round(median(requireMs)),
    init_runs_ms: requireMs.map((x) => round(x)),
    first_invoke_ms: round(median(firstInvokeMs)),
    node: process.version,
    note: 'Lambda runs Node.js 24 on arm64; measured here with the local Node on this machine',
  };
}
