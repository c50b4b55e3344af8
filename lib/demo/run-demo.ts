import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KMSClient } from '@aws-sdk/client-kms';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { recordAttestation, signAttestation } from '../attest/attest';
import { AttestationStore } from '../aws/attestation-store';
import { clientConfig, type AwsTarget } from '../aws/client-config';
import { planShards } from '../contract/shards';
import type { JsonObject } from '../core/json';
import { lanesRuntime, type LanesRuntime } from '../ingest/lanes-runtime';
import { EmulatedLiveLane } from '../local/live-lane';
import { peakRssBytes, startMoto, type MotoServer } from '../local/moto';
import type { LocalStack } from '../local/provision';
import { sealRuntime } from '../seal/runtime';
import { captureFromEnv } from '../cloudtrail/runtime';
import type { VerifyReport } from '../verify/verify-archive';
import { DEMO_ATTESTED_DIGEST, demoTrailLogs, type TrailLogFile } from './demo-events';
import { demoIngest, demoTrailFiles, runLiveLane, runTrailLane, type LaneRun } from './demo-lanes';
import type { OrgDemo, AccountSummary } from './org-demo';
import type { DemoWitness } from './demo-witness';
import { sealWitnessVerify } from './seal-witness-verify';
import { deployDemoStack } from './deploy-demo-stack';
import { proveOneRecord } from './prove-one-record';
import { receivedAlerts, type ReceivedAlert } from './received-alerts';
import { scaleLogFiles, scaleTemplates, type ScaleTemplates } from './scale-events';

export interface DemoProgress {
  step(title: string): void;
  info(line: string): void;
  bar(label: string): { update(done: number, total: number): void; stop(): void };
}

export interface DemoOptions {
  /** Use this emulator (left running, with the archive in it) instead of starting moto_server. */
  endpoint?: string;
  region?: string;
  progress: DemoProgress;
  /** A scale run: this many generated management events instead of the story. */
  events?: number;
  /** An organization of this many accounts (audit, log archive, workloads): one chain per account, the trail bucket in the log-archive account. */
  accounts?: number;
  /** Runs the named queries the demo shows; returns rendered tables. */
  queries?: (stack: LocalStack, witness: DemoWitness) => Promise<{ name: string; rendered: string; rows: number }[]>;
}

export interface LaneSummary {
  /** Live lane: events the capture rules matched (write calls, sign-ins, state changes), and the staged objects Firehose wrote. */
  live: { events: number; objects: number; heldBack: number };
  /** Trail lane: log files and the records in them (read-only calls included). */
  trail: { files: number; records: number; recovered: number };
  /** Events that came by both lanes: each archived once. */
  both: number;
}

export interface DemoSummary {
  endpoint: string;
  keptRunning: boolean;
  stack: Pick<LocalStack, 'bucket' | 'table' | 'signingKeyId' | 'origin' | 'topicArn' | 'queueUrl'> & { region: string };
  /** Events generated for the scale run (--events), or null for the story. */
  scale: number | null;
  lanes: LaneSummary;
  ingest: { invocations: number; messages: number; failures: number };
  verify: VerifyReport;
  /** Committed records per batch object (verify's records over objects). */
  recordsPerObject: number;
  proof: { eventId: string; action: string; reads: number; valid: boolean; shard: string; seq: number; treeSize: number };
  checkpointSize: number;
  /** The witness run after the final seal: its key and what it cosigned. */
  witness: { name: string; keyId: string; vkey: string; cosigned: number; shards: number; refused: string[] };
  alertsByKind: Record<string, number>;
  alertSamples: string[];
  alerts: ReceivedAlert[];
  /** Per account, with --accounts; null otherwise. */
  accounts: AccountSummary[] | null;
  queries: { name: string; rendered: string; rows: number }[];
  /** Peak resident memory of the moto_server the demo started, in MB (null with --endpoint). */
  motoPeakMb: number | null;
  seconds: number;
}

export { DEMO_DEPLOYERS } from './deploy-demo-stack';

export type { ReceivedAlert } from './received-alerts';

/**
 * The whole product on a local emulator: deploy, attest a build, then both
 * lanes into the ingest handler: the live lane (the capture rules' matches,
 * buffered into staged objects as Firehose does) and the trail lane (the
 * trail's own log files, read-only calls included); then seal, verify, prove,
 * query, and collect the alerts an on-call tool receives. With `events`, the
 * same with that many generated management events (a scale run).
 */
export async function runDemo(opts: DemoOptions): Promise<DemoSummary> {
  const started = Date.now();
  const p = opts.progress;
  let moto: MotoServer | undefined;
  const region = opts.region ?? 'us-east-1';
  if (!opts.endpoint) {
    p.step('Starting the local AWS emulator (moto_server)');
    moto = await startMoto();
  }
  const target: AwsTarget = { region, endpoint: opts.endpoint ?? moto!.endpoint };
  try {
    p.info(`endpoint ${target.endpoint}`);
    const cfg = clientConfig(target);
    const kms = new KMSClient(cfg);

    const { stack, org, attestKey, trailBucket } = await deployDemoStack(target, kms, opts.accounts, p);
    const env = { ...process.env, ...stack.env };
    const runtime = await lanesRuntime(env, target);
    await attestBuild(kms, new AttestationStore(new DynamoDBClient(cfg), stack.table), runtime, attestKey, p);

    const sqs = new SQSClient(cfg);
    const s3 = new S3Client(cfg);
    const ingest = await demoIngest(sqs, { url: stack.queueUrl, region }, runtime.deps, p);
    const live = new EmulatedLiveLane(s3, null, { stagingBucket: stack.stagingBucket, prefix: stack.stagingPrefix, plan: captureFromEnv(env).plan ?? planShards() });
    const lanes: LaneSummary = { live: { events: 0, objects: 0, heldBack: 0 }, trail: { files: 0, records: 0, recovered: 0 }, both: 0 };
    const logs = demoTrailLogs();
    const scale = opts.events ? scaleTemplates(logs) : null;
    const run: LaneRun = { p, ingest, org, files: demoTrailFiles(logs, scale, opts.events, org), events: opts.events, lanes };
    const liveIds = await runLiveLane(run, live);
    await runTrailLane(run, liveIds, { sqs, s3, queueUrl: stack.queueUrl, bucket: trailBucket });

    const { sealed, publicKeyPem, witness, report } = await sealWitnessVerify(target, env, stack, s3, p);
    const proof = await proveOneRecord(cfg, stack, publicKeyPem, recordToProve(logs, scale, opts.events), p);
    const queries = await runQueries(opts, stack, witness);

    p.step('Alerts received by an SQS queue subscribed to the alert topic');
    // Alerts left in the outbox (none, unless a publish failed) go out with the next seal's sweep.
    await sealRuntime(env, target).outbox?.sweep();
    const received = await receivedAlerts(sqs, stack.alertInboxUrl);
    const ran = { scale: opts.events ?? null, lanes, ingest: ingest.totals, proof, queries };
    return demoSummary({ target, region, moto, keptRunning: Boolean(opts.endpoint), started, stack, org, ran, checked: { sealed, witness, report }, received });
  } finally {
    if (moto) await moto.stop();
  }
}

/** CI attests the image it built: a KMS-signed attestation, recorded in the registry and the chain. */
async function attestBuild(kms: KMSClient, registry: AttestationStore, runtime: LanesRuntime, attestKey: string, p: DemoProgress): Promise<void> {
  p.step('CI attests the image it built (KMS-signed attestation, recorded in the registry and the chain)');
  const att = await signAttestation(kms, { subject: DEMO_ATTESTED_DIGEST, subjectType: 'image-digest', keyId: attestKey, signer: 'ci/build-4711' });
  await recordAttestation(registry, runtime.deps, att);
  p.info(`attested ${att.subject.slice(0, 23)}... with ${attestKey.split('/').pop()}`);
}

/** The story's StopLogging; in a scale run, the last event of the first generated log file. */
function recordToProve(logs: TrailLogFile[], scale: ScaleTemplates | null, events: number | undefined): JsonObject {
  return scale ? (scaleLogFiles(scale, events!).next().value!.records.pop() as JsonObject) : logs.flatMap((f) => f.records).find((r) => r.eventName === 'StopLogging')!;
}

/** The named queries, when the caller runs them (the CLI does, on DuckDB). */
async function runQueries(opts: DemoOptions, stack: LocalStack, witness: DemoWitness): Promise<DemoSummary['queries']> {
  if (!opts.queries) return [];
  const p = opts.progress;
  p.step('Query: named audit queries on DuckDB over the archive (the same SQL runs on Athena)');
  const queries = await opts.queries(stack, witness);
  for (const q of queries) p.info(`\n  ${q.name} (${q.rows} rows)\n` + q.rendered.split('\n').map((l) => `  ${l}`).join('\n'));
  return queries;
}

/** What the summary is made of: where the demo ran, and what each step returned. */
interface DemoRun {
  target: AwsTarget;
  region: string;
  moto: MotoServer | undefined;
  keptRunning: boolean;
  /** Date.now() when the demo started. */
  started: number;
  stack: LocalStack;
  org: OrgDemo | null;
  ran: Pick<DemoSummary, 'scale' | 'lanes' | 'ingest' | 'proof' | 'queries'>;
  /** The seal, the witness and verify. */
  checked: Pick<Awaited<ReturnType<typeof sealWitnessVerify>>, 'sealed' | 'witness' | 'report'>;
  received: Awaited<ReturnType<typeof receivedAlerts>>;
}

/** The summary the CLI prints: what ran where, and what each step found. */
function demoSummary({ target, region, moto, keptRunning, started, stack, org, ran, checked: { sealed, witness, report }, received }: DemoRun): DemoSummary {
  const { alerts, alertsByKind, samples } = received;
  return {
    endpoint: target.endpoint!,
    keptRunning,
    stack: { bucket: stack.bucket, table: stack.table, signingKeyId: stack.signingKeyId, origin: stack.origin, topicArn: stack.topicArn, queueUrl: stack.queueUrl, region },
    scale: ran.scale,
    lanes: ran.lanes,
    ingest: ran.ingest,
    verify: report,
    recordsPerObject: report.objects > 0 ? Math.round((report.records / report.objects) * 10) / 10 : 0,
    proof: ran.proof,
    checkpointSize: sealed.signed.checkpoint.size,
    witness: { name: witness.name, keyId: witness.keyId, vkey: witness.vkey, cosigned: witness.cosigned, shards: witness.shards, refused: witness.refused },
    alertsByKind,
    alertSamples: samples,
    alerts,
    accounts: org ? org.summary(report.shards, alerts) : null,
    queries: ran.queries,
    motoPeakMb: moto ? Math.round((peakRssBytes(moto.pid) ?? 0) / 1048576) || null : null,
    seconds: (Date.now() - started) / 1000,
  };
}
