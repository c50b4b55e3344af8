import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildInclusionProofOffline } from '../../lib/prove/offline-proof';
import { serializeProofFile } from '../../lib/prove/proof-file';
import { DirSource } from '../../lib/verify/dir-source';
import { writeOfflineApp } from './offline-app';

const ROOT = join(__dirname, '..', '..');
const FIXTURE = join(ROOT, 'test', 'fixtures', 'archive-v1-fifo');
const PKG = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string; devDependencies: Record<string, string> };

/** The CDK app a new user writes: minimal props, synthesized with App({ outdir }).synth(). */
const APP_JS = `
const { App, Stack } = require('aws-cdk-lib');
const { AuditTrail } = require('immutrail');
const app = new App({ outdir: process.argv[2] });
const stack = new Stack(app, 'Audit', { env: { account: '123456789012', region: 'us-east-1' } });
new AuditTrail(stack, 'Trail', {});
app.synth();
`;

/** `immutrail/verify` in the installed package: what it exports and whether it pulled in the SDK or the CDK. */
const VERIFY_PROBE = `
const api = require('immutrail/verify');
const heavy = Object.keys(require.cache).filter((f) => /node_modules[\\\\/](@aws-sdk|@smithy|aws-cdk-lib|@duckdb)[\\\\/]/.test(f));
process.stdout.write(JSON.stringify({ heavy, verifyProofFile: typeof api.verifyProofFile, verifyArchiveDir: typeof api.verifyArchiveDir, version: require('immutrail/package.json').version }));
`;

const run = (cmd: string, args: string[], cwd: string) => execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

interface CfnTemplate {
  Resources: Record<string, { Type: string; Properties?: Record<string, any> }>;
}

/** The staged folder of each function's code asset (Code.S3Key is the asset's hash and .zip). */
function functionAssets(out: string): { props: Record<string, any>; dir: string }[] {
  const template = JSON.parse(readFileSync(join(out, 'Audit.template.json'), 'utf8')) as CfnTemplate;
  const assets = JSON.parse(readFileSync(join(out, 'Audit.assets.json'), 'utf8')) as { files: Record<string, { source: { path: string } }> };
  return Object.values(template.Resources)
    .filter((r) => r.Type === 'AWS::Lambda::Function')
    .map((r) => ({ props: r.Properties!, dir: join(out, assets.files[String(r.Properties!.Code.S3Key).replace(/\.zip$/, '')].source.path) }));
}

/**
 * Issue 16: the package as a user gets it. `npm run build`, `npm pack`, then
 * a fresh CDK app outside this repository installs the tarball and the peer
 * dependencies offline (from the npm cache `npm ci` filled), synthesizes an
 * AuditTrail, and runs the installed `immutrail` binary.
 */
describe('the packed package, installed into a fresh CDK app', () => {
  let work: string;
  let app: string;

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'immutrail-packed-'));
    app = join(work, 'app');
    mkdirSync(app);
    run('npm', ['run', 'build', '--silent'], ROOT);
    const tarball = run('npm', ['pack', '--silent', '--pack-destination', work], ROOT).trim().split('\n').at(-1)!;
    writeOfflineApp(app, ROOT, join(work, tarball), { 'aws-cdk-lib': PKG.devDependencies['aws-cdk-lib'], constructs: PKG.devDependencies.constructs });
    run('npm', ['install', '--offline', '--no-audit', '--no-fund', '--ignore-scripts'], app);
    writeFileSync(join(app, 'app.js'), APP_JS);
  }, 600_000);

  // The app's node_modules is large: removing it takes a while on a loaded machine.
  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  }, 120_000);

  it('synthesizes an AuditTrail whose functions deploy the bundles shipped in the package, not this repository', { timeout: 240_000 }, () => {
    const out = join(work, 'cdk.out');
    run(process.execPath, ['app.js', out], app);
    const templateText = readFileSync(join(out, 'Audit.template.json'), 'utf8');
    const assetsText = readFileSync(join(out, 'Audit.assets.json'), 'utf8');
    expect(templateText).not.toContain(ROOT);
    expect(assetsText).not.toContain(ROOT);

    const functions = functionAssets(out);
    expect(functions.length).toBeGreaterThanOrEqual(2);
    const installed = join(app, 'node_modules', 'immutrail', 'dist', 'lambdas');
    const prebuilt = readdirSync(installed)
      .filter((kind) => existsSync(join(installed, kind, 'index.js')))
      .map((kind) => readFileSync(join(installed, kind, 'index.js')));
    for (const fn of functions) {
      expect(fn.props).toMatchObject({ Handler: 'index.handler', Runtime: 'nodejs24.x', Architectures: ['arm64'] });
      expect(fn.props.Environment.Variables.NODE_OPTIONS).toBe('--enable-source-maps');
      // Byte for byte one of the package's prebuilt bundles.
      const bundle = readFileSync(join(fn.dir, 'index.js'));
      expect(prebuilt.some((b) => b.equals(bundle))).toBe(true);
    }
    // The detecting functions carry the project's Sigma rules next to the handler, as when bundled from source.
    const withRules = functions.filter((fn) => existsSync(join(fn.dir, 'rules', 'sigma')));
    expect(withRules.length).toBeGreaterThanOrEqual(1);
    for (const fn of withRules) expect(readdirSync(join(fn.dir, 'rules', 'immutrail')).length).toBeGreaterThan(0);
  });

  it('runs the installed immutrail verify-proof: a valid proof exits 0, a tampered one 1, --help 0', { timeout: 60_000 }, async () => {
    const proof = (await buildInclusionProofOffline(new DirSource(join(FIXTURE, 'archive')), 'v1-1-4')).proof;
    const good = join(work, 'v1-1-4.proof.json');
    writeFileSync(good, serializeProofFile(proof));
    const bad = join(work, 'tampered.proof.json');
    writeFileSync(bad, serializeProofFile({ ...proof, seq: proof.seq + 1 }));
    const bin = join(app, 'node_modules', '.bin', 'immutrail');
    const key = join(FIXTURE, 'public-key.pem');

    const valid = spawnSync(bin, ['verify-proof', good, '--public-key', key], { cwd: app, encoding: 'utf8' });
    expect(valid.stderr).toBe('');
    expect(valid.status).toBe(0);
    expect(valid.stdout).toMatch(/^VALID: record v1-1-4 /m);
    const tampered = spawnSync(bin, ['verify-proof', bad, '--public-key', key], { cwd: app, encoding: 'utf8' });
    expect(tampered.status).toBe(1);
    expect(tampered.stdout).toMatch(/^INVALID: /m);
    const help = spawnSync(bin, ['verify-proof', '--help'], { cwd: app, encoding: 'utf8' });
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('--public-key <pem>');
  });

  it('exposes immutrail/verify without loading the AWS SDK, aws-cdk-lib or DuckDB', () => {
    const r = JSON.parse(run(process.execPath, ['-e', VERIFY_PROBE], app)) as Record<string, unknown>;
    expect(r).toEqual({ heavy: [], verifyProofFile: 'function', verifyArchiveDir: 'function', version: PKG.version });
  });
});
