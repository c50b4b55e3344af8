/**
 * The CPU-bound parts of the benchmark, each in a fresh process. Ingest (and
 * the archive generator) run from a bundle built the way the Lambda bundles
 * are (esbuild, minified, no keepNames), so the figure is the deployed code's,
 * not tsx's (whose transform wraps every closure in a naming helper); verify
 * and prove run through tsx, as the `immutrail` CLI does. See bench/child.ts:
 *
 *   node bench/out/cpu.cjs <task> '<json args>'
 *   node --import tsx bench/cpu/main.ts <task> '<json args>'
 *
 * Progress goes to stderr; the result is the last line of stdout, as JSON.
 */
import { cachedArchive, generateArchive } from '../archive/generate';
import { ingestTask } from './ingest-task';
import { proofTask } from './proof-task';
import { verifyTask } from './verify-task';

type Args = { outDir: string; events: number; repeats: number; dataDir: string; sigmaDir: string };

class UsageError extends Error {
  readonly code = 'USAGE';
}

async function archive(a: Args) {
  const m = cachedArchive(a.outDir, a.events);
  if (!m) throw new UsageError(`no archive of ${a.events} events under ${a.outDir}: run the generate task first`);
  return m;
}

const tasks: Record<string, (a: Args) => Promise<unknown>> = {
  generate: async (a) => {
    const m = await generateArchive(a.outDir, a.events, {
      dataDir: a.dataDir,
      onProgress: (n) => n % 100_000 === 0 && process.stderr.write(`  generated ${n} events\n`),
    });
    return { records: m.records, objects: m.objects, bytes: m.bytes, generatedIn: m.generatedIn };
  },
  verify: async (a) => verifyTask(await archive(a), a.repeats),
  ingest: (a) => ingestTask(a),
  proof: async (a) => proofTask(await archive(a), 25),
};

async function main(): Promise<void> {
  const [name, json] = process.argv.slice(2);
  const task = tasks[name];
  if (!task) throw new UsageError(`unknown task ${name}; one of ${Object.keys(tasks).join(', ')}`);
  const result = await task(JSON.parse(json) as Args);
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().catch((err: Error) => {
  process.stderr.write(`${err.stack ?? err.message}\n`);
  process.exit(1);
});
