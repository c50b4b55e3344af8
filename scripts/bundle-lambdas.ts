/**
 * The second half of `npm run build` (after tsc): each Lambda handler bundled
 * by esbuild into dist/lambdas/<kind>/index.js, exactly as NodejsFunction
 * bundles it from source (lib/construct/trail-function.ts: CommonJS,
 * minified, with a source map, every dependency inlined, the AWS SDK too, so
 * the deployed handler runs the SDK versions this package pins and tests), and
 * the project's Sigma rules into dist/rules, which the construct copies next
 * to the detecting handlers. An installed package deploys these files; it has
 * no TypeScript to bundle.
 */
import { cpSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { LAMBDA_ENTRIES, LAMBDA_ESBUILD_TARGET, prebuiltLayout, type TrailFunctionKind } from '../lib/construct/lambda-bundles';

const ROOT = resolve(__dirname, '..');
const layout = prebuiltLayout(join(ROOT, 'dist'));

async function bundle(kind: TrailFunctionKind): Promise<number> {
  const dir = layout.bundleDir(kind);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const outfile = join(dir, 'index.js');
  await build({
    entryPoints: [join(ROOT, LAMBDA_ENTRIES[kind])],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: LAMBDA_ESBUILD_TARGET,
    minify: true,
    sourcemap: true,
    // Stack traces need the mappings only; the sources themselves would quadruple the package.
    sourcesContent: false,
    logLevel: 'warning',
  });
  return statSync(outfile).size;
}

async function main(): Promise<void> {
  const kinds = Object.keys(LAMBDA_ENTRIES) as TrailFunctionKind[];
  const sizes = await Promise.all(kinds.map(bundle));
  rmSync(layout.rulesDir, { recursive: true, force: true });
  for (const folder of ['sigma', 'immutrail']) cpSync(join(ROOT, 'rules', folder), join(layout.rulesDir, folder), { recursive: true });
  kinds.forEach((k, i) => process.stderr.write(`dist/lambdas/${k}/index.js  ${(sizes[i] / 1024).toFixed(0)} KiB\n`));
}

main().catch((err: Error) => {
  process.stderr.write(`${err.stack ?? err.message}\n`);
  process.exit(1);
});
