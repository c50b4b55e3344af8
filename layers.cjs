// The layers of this repository: what each folder holds and what it may import.
// .dependency-cruiser.cjs turns this list into rules (npm run lint:deps), and
// test/unit/layers.test.ts checks that README.md's "Code map" says the same.
// A folder's `imports` lists the other folders it may import; everything else
// in lib/, bin/, lambdas/ is forbidden to it. Node built-ins are always allowed.

/** Runtime folders: what the Lambda handlers may be built from (no CDK). */
const RUNTIME = ['lib/core', 'lib/contract', 'lib/aws', 'lib/commit', 'lib/cloudtrail', 'lib/ingest', 'lib/seal', 'lib/watchdog', 'lib/witness', 'lib/attest'];

/** @type {{ folder: string, holds: string, imports: string[] }[]} */
const LAYERS = [
  { folder: 'lib/core', holds: 'the format and the pure pipeline: records, canonical bytes, chain, Merkle, checkpoints, normalize, detect', imports: [] },
  {
    folder: 'lib/contract',
    holds: 'what the construct deploys and the runtimes read: env names, table keys, key layouts, event patterns, shard plan, policies',
    imports: ['lib/core'],
  },
  {
    folder: 'lib/aws',
    holds: 'AWS SDK adapters: chain store, archive writer, KMS signer, outbox, S3 archive source',
    imports: ['lib/core', 'lib/contract', 'lib/verify'],
  },
  {
    folder: 'lib/commit',
    holds: 'the commit path both lanes share: drafts, chain and write a batch, detectors, the runtime that wires them',
    imports: ['lib/core', 'lib/contract', 'lib/aws'],
  },
  {
    folder: 'lib/cloudtrail',
    holds: "the CloudTrail lane: the trail's log files, reconcile against the live lane, digests, backfill",
    imports: ['lib/core', 'lib/contract', 'lib/aws', 'lib/commit'],
  },
  {
    folder: 'lib/ingest',
    holds: 'the ingest function: the SQS batch of both lanes, live routing, staged objects',
    imports: ['lib/core', 'lib/contract', 'lib/aws', 'lib/commit', 'lib/cloudtrail'],
  },
  {
    folder: 'lib/seal',
    holds: 'the seal function: shard roots, signed checkpoints, tiles',
    imports: ['lib/core', 'lib/contract', 'lib/aws', 'lib/prove', 'lib/witness'],
  },
  {
    folder: 'lib/watchdog',
    holds: 'the watchdog function: silent shards, missing trail deliveries',
    imports: ['lib/core', 'lib/contract', 'lib/aws', 'lib/commit'],
  },
  { folder: 'lib/witness', holds: 'witnesses that cosign checkpoints', imports: ['lib/core', 'lib/contract', 'lib/aws', 'lib/prove'] },
  { folder: 'lib/attest', holds: 'deploy attestations signed by a pipeline', imports: ['lib/core', 'lib/aws', 'lib/commit'] },
  { folder: 'lib/verify', holds: 'the offline verifier of an archive and of consistency proofs (needs the public key only)', imports: ['lib/core'] },
  {
    folder: 'lib/prove',
    holds: 'inclusion proofs: build them from the index, check them offline; consistency proofs from the tiles',
    imports: ['lib/core', 'lib/contract', 'lib/verify'],
  },
  { folder: 'lib/query', holds: 'SQL for Athena and DuckDB, the Glue schema', imports: ['lib/core'] },
  { folder: 'lib/report', holds: 'the HTML audit report', imports: ['lib/core', 'lib/query', 'lib/verify'] },
  { folder: 'lib/evidence', holds: 'evidence bundles for auditors', imports: ['lib/core', 'lib/report', 'lib/verify'] },
  { folder: 'lib/construct', holds: 'the CDK construct AuditTrail and its parts', imports: ['lib/core', 'lib/contract', 'lib/query'] },
  { folder: 'lib/*.ts', holds: 'package entry points and the stacks', imports: ['lib/core', 'lib/contract', 'lib/construct', 'lib/verify', 'lib/prove'] },
  {
    folder: 'lib/local',
    holds: 'the emulator adapter: deploy the synthesized stack on moto_server',
    imports: ['lib/*.ts', 'lib/core', 'lib/contract', 'lib/aws', 'lib/construct'],
  },
  {
    folder: 'lib/demo',
    holds: 'the demo: an organization on the emulator, end to end',
    imports: [
      'lib/core',
      'lib/contract',
      'lib/aws',
      'lib/attest',
      'lib/construct',
      'lib/ingest',
      'lib/local',
      'lib/prove',
      'lib/seal',
      'lib/cloudtrail',
      'lib/verify',
      'lib/witness',
    ],
  },
  {
    folder: 'lib/cli',
    holds: 'the immutrail command',
    imports: [...RUNTIME, 'lib/verify', 'lib/prove', 'lib/query', 'lib/report', 'lib/evidence', 'lib/local', 'lib/demo'],
  },
  { folder: 'lambdas', holds: 'Lambda handlers (middy, Powertools)', imports: RUNTIME },
  { folder: 'bin', holds: 'the CLI and CDK app entry points', imports: ['lib/*.ts', 'lib/cli', 'lib/core', 'lib/contract', 'lib/construct'] },
  { folder: 'bench', holds: 'benchmarks and their instrumentation (request counters)', imports: ['any'] },
  { folder: 'test', holds: 'tests and their support code', imports: ['any'] },
];

/**
 * Folder imports the code makes today against the layering, each with why it
 * is not fixed yet. The rule reports them as warnings; remove an entry when it is fixed.
 */
/** @type {{ from: string, to: string, why: string }[]} */
const KNOWN_EXCEPTIONS = [];

/** Packages only the CDK side may import. */
const CDK_PACKAGES = ['aws-cdk-lib', 'constructs', 'cdk-nag'];
/** Folders that may import them. */
const CDK_FOLDERS = ['lib/construct', 'lib/*.ts', 'lib/local', 'bin'];
/** Packages the pure layers never import: AWS clients, CDK, Lambda runtime libraries, DuckDB. */
const RUNTIME_PACKAGES = ['@aws-sdk', '@aws-lambda-powertools', '@middy', '@duckdb', ...CDK_PACKAGES];
/** Layers that import none of RUNTIME_PACKAGES, directly or through what they import (lib/verify: the verifier runs in any Node program). */
const PURE = ['lib/core', 'lib/contract', 'lib/verify'];

module.exports = { LAYERS, KNOWN_EXCEPTIONS, CDK_PACKAGES, CDK_FOLDERS, RUNTIME_PACKAGES, PURE };
