import { existsSync } from 'node:fs';
import * as path from 'node:path';

/**
 * Where each function's code comes from. This module has no aws-cdk-lib
 * import: the build script (scripts/bundle-lambdas.ts) reads it too.
 */

/** The handler entry files, relative to the repository root. */
export const LAMBDA_ENTRIES = {
  ingest: 'lambdas/ingest.ts',
  seal: 'lambdas/seal.ts',
  reconcile: 'lambdas/reconcile.ts',
  watchdog: 'lambdas/watchdog.ts',
  /** Deployed by AuditWitness (lib/construct/witness), outside the audited account. */
  witness: 'lambdas/witness.ts',
} as const;
export type TrailFunctionKind = keyof typeof LAMBDA_ENTRIES;

/** The Node.js version the functions run (lambda.Runtime.NODEJS_24_X), as esbuild's target. */
export const LAMBDA_ESBUILD_TARGET = 'node24';

/** The handler's file inside a bundle: `index.js`, exporting `handler`. */
export const BUNDLE_HANDLER = 'index.handler';

/** The package's root: two folders up from source (lib/construct), three from the compiled package (dist/lib/construct). */
const RUNNING_FROM_SOURCE = __filename.endsWith('.ts');
const PACKAGE_ROOT = path.resolve(__dirname, '..', '..', ...(RUNNING_FROM_SOURCE ? [] : ['..']));
/** The compiled package's root (dist/): prebuilt bundles sit in lambdas/<kind>, Sigma rules in rules/. */
const DIST_ROOT = path.resolve(__dirname, '..', '..');

/** Folders a bundle is built into (`npm run build`) and the rules copied beside it. */
export function prebuiltLayout(distRoot: string) {
  return {
    bundleDir: (kind: TrailFunctionKind) => path.join(distRoot, 'lambdas', kind),
    rulesDir: path.join(distRoot, 'rules'),
  };
}

export type FunctionCode =
  | { readonly from: 'prebuilt'; readonly bundleDir: string; readonly rulesDir: string }
  | { readonly from: 'source'; readonly entry: string; readonly projectRoot: string };

/**
 * Source when this file runs as TypeScript (the repository, its tests: the
 * bundle is always as fresh as the code); the prebuilt bundle when it runs
 * compiled (the installed package, which ships no TypeScript). A compiled
 * copy without bundles (tsc run alone in the repository) falls back to source.
 */
export function functionCode(kind: TrailFunctionKind): FunctionCode | null {
  if (!RUNNING_FROM_SOURCE) {
    const layout = prebuiltLayout(DIST_ROOT);
    const bundleDir = layout.bundleDir(kind);
    if (existsSync(path.join(bundleDir, 'index.js'))) return { from: 'prebuilt', bundleDir, rulesDir: layout.rulesDir };
  }
  const entry = path.join(PACKAGE_ROOT, LAMBDA_ENTRIES[kind]);
  return existsSync(entry) ? { from: 'source', entry, projectRoot: PACKAGE_ROOT } : null;
}
