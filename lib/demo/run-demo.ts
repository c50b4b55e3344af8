import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KMSClient } from '@aws-sdk/client-kms';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { recordAttestation, signAttestation } from '../attest/attest';
import { AttestationStore } from '../aws/attestation-store';
import { clientConfig, type AwsTarget } from '../aws/client-config';
import { planShards } from '../contract/shards';
import type { JsonObject } from '../core/json';
import { isCapturedApiCall } from '../core/normalize';
import { lanesRuntime } from '../ingest/lanes-runtime';
import { ingestSqsBatch } from '../ingest/sqs-batch';
import { drainQueue } from '../local/event-source';
import { EmulatedLiveLane } from '../local/live-lane';
import { peakRssBytes, startMoto, type MotoServer } from '../local/moto';
import type { LocalStack } from '../local/provision';
import { sealRuntime } from '../seal/runtime';
import { captureFromEnv } from '../trail/runtime';
import type { VerifyReport } from '../verify/verify-archive';
import { DEMO_ATTESTED_DIGEST, DEMO_TRAIL_LOGS_DIR, demoStateChanges, demoTrailLogs } from './demo-events';
import { cloudTrailEnvelope, missedByEventBridge } from './replay';
import { OrgDemo, type AccountSummary } from './org-demo';
import type { DemoWitness } from './demo-witness';
import { sealWitnessVerify } from './seal-witness-verify';
import { deployDemoStack } from './deploy-demo-stack';
import { proveOneRecord } from './prove-one-record';
import { receivedAlerts, type ReceivedAlert } from './received-alerts';
import { READ_ONLY_SHARE, scaleLogFiles, scaleTemplates } from './scale-events';

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

    p.step('CI attests the image it built (KMS-signed attestation, recorded in the registry and the chain)');
    const att = await signAttestation(kms, { subject: DEMO_ATTESTED_DIGEST, subjectType: 'image-digest', keyId: attestKey, signer: 'ci/build-4711' });
    await recordAttestation(new AttestationStore(new DynamoDBClient(cfg), stack.table), runtime.deps, att);
    p.info(`attested ${att.subject.slice(0, 23)}... with ${attestKey.split('/').pop()}`);

    const sqs = new SQSClient(cfg);
    const s3 = new S3Client(cfg);
    const queueArn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: stack.queueUrl, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
    const live = new EmulatedLiveLane(s3, null, { stagingBucket: stack.stagingBucket, prefix: stack.stagingPrefix, plan: captureFromEnv(env).plan ?? planShards() });
    const ingestTotals = { invocations: 0, messages: 0, failures: 0 };
    let recovered = 0;
    const drain = async (label: string, expected: number) => {
      const bar = p.bar(label);
      const handler = async (event: SQSEvent) => {
        const out = await ingestSqsBatch(runtime.deps, event);
        recovered += out.stats.trailRecovered;
        return out.response;
      };
      const r = await drainQueue(sqs, { url: stack.queueUrl, arn: queueArn, region }, handler, {
        onBatch: (x) => bar.update(x.messages, expected),
        retryFailedAtOnce: true,
      });
      bar.stop();
      ingestTotals.invocations += r.invocations;
      ingestTotals.messages += r.messages;
      ingestTotals.failures += r.failures;
      return r;
    };
    const lanes: LaneSummary = { live: { events: 0, objects: 0, heldBack: 0 }, trail: { files: 0, records: 0, recovered: 0 }, both: 0 };
    const liveIds = new Set<string>();
    const logs = demoTrailLogs();

    p.step(
      opts.events
        ? `Live lane: ${opts.events.toLocaleString('en-US')} generated management events (${Math.round(READ_ONLY_SHARE * 100)}% read-only), the rules' matches buffered by Firehose into the staging bucket`
        : 'Live lane: real CloudTrail activity and state changes through the capture rules, buffered by Firehose into the staging bucket',
    );
    const scale = opts.events ? scaleTemplates(logs) : null;
    const singleAccountFiles = (): Iterable<{ key: string; body: Buffer; records: JsonObject[] }> =>
      scale ? scaleLogFiles(scale, opts.events!) : logs.map((f) => ({ key: f.key, body: readFileSync(join(DEMO_TRAIL_LOGS_DIR, ...f.key.split('/'))), records: f.records }));
    // With --accounts, every file as the organization trail writes it, in the account it was re-homed to.
    const trailFiles = (): Iterable<{ key: string; body: Buffer; records: JsonObject[]; account?: string }> =>
      org ? organizationFiles(org, singleAccountFiles(), Boolean(scale)) : singleAccountFiles();
    let captured = 0;
    for (const file of trailFiles()) {
      for (const r of file.records) {
        if (!isCapturedApiCall(r, { captureReadOnly: false })) continue;
        // Every seventh write EventBridge "misses" in the story: the trail lane brings it.
        if (!scale && missedByEventBridge(captured++)) {
          lanes.live.heldBack++;
          continue;
        }
        const envelope = cloudTrailEnvelope(r, randomUUID());
        if (org && !org.reachesLiveLane(envelope)) continue;
        if (await live.put(envelope)) liveIds.add(String(r.eventID));
      }
    }
    for (const e of demoStateChanges()) {
      const envelope = org ? org.stateChange(e) : e;
      if (!org || org.reachesLiveLane(envelope)) await live.put(envelope);
    }
    await live.flush();
    lanes.live.events = live.counts.events;
    lanes.live.objects = live.counts.objects;
    p.info(`${lanes.live.events} events matched the capture rules (${lanes.live.heldBack} held back: "missed" by EventBridge), in ${lanes.live.objects} staged object(s)`);
    const liveRun = await drain('ingesting the live lane', live.counts.objects);
    p.info(`${liveRun.messages} object notices in ${liveRun.invocations} handler invocations, ${liveRun.failures} failed`);

    p.step("Trail lane: the trail's own log files (read-only calls included) land in the trail bucket, S3 announces each to the ingest queue");
    for (const file of trailFiles()) {
      if (org) await org.deliverLogFile(sqs, stack.queueUrl, trailBucket, file as Parameters<OrgDemo['deliverLogFile']>[3]);
      else await s3.send(new PutObjectCommand({ Bucket: trailBucket, Key: file.key, Body: file.body }));
      lanes.trail.files++;
      lanes.trail.records += file.records.length;
      for (const r of file.records) if (liveIds.has(String(r.eventID))) lanes.both++;
    }
    const trailRun = await drain('ingesting the trail lane', lanes.trail.files);
    lanes.trail.recovered = recovered;
    p.info(
      `${trailRun.messages} notices in ${trailRun.invocations} handler invocations, ${trailRun.failures} failed: ` +
        `${lanes.both} records had come by the live lane already (archived once), ${lanes.trail.recovered} archived from the trail lane alone`,
    );

    const { sealed, publicKeyPem, witness, report } = await sealWitnessVerify(target, env, stack, s3, p);

    // The story's StopLogging; in a scale run, the last event of the first generated log file.
    const proven = scale
      ? (scaleLogFiles(scale, opts.events!).next().value!.records.pop() as JsonObject)
      : logs.flatMap((f) => f.records).find((r) => r.eventName === 'StopLogging')!;
    const proof = await proveOneRecord(cfg, stack, publicKeyPem, proven, p);

    let queries: DemoSummary['queries'] = [];
    if (opts.queries) {
      p.step('Query: named audit queries on DuckDB over the archive (the same SQL runs on Athena)');
      queries = await opts.queries(stack, witness);
      for (const q of queries) p.info(`\n  ${q.name} (${q.rows} rows)\n` + q.rendered.split('\n').map((l) => `  ${l}`).join('\n'));
    }

    p.step('Alerts received by an SQS queue subscribed to the alert topic');
    // Alerts left in the outbox (none, unless a publish failed) go out with the next seal's sweep.
    await sealRuntime(env, target).outbox?.sweep();
    const { alerts, alertsByKind, samples } = await receivedAlerts(sqs, stack.alertInboxUrl);

    return {
      endpoint: target.endpoint!,
      keptRunning: Boolean(opts.endpoint),
      stack: { bucket: stack.bucket, table: stack.table, signingKeyId: stack.signingKeyId, origin: stack.origin, topicArn: stack.topicArn, queueUrl: stack.queueUrl, region },
      scale: opts.events ?? null,
      lanes,
      ingest: ingestTotals,
      verify: report,
      recordsPerObject: report.objects > 0 ? Math.round((report.records / report.objects) * 10) / 10 : 0,
      proof,
      checkpointSize: sealed.signed.checkpoint.size,
      witness: { name: witness.name, keyId: witness.keyId, vkey: witness.vkey, cosigned: witness.cosigned, shards: witness.shards, refused: witness.refused },
      alertsByKind,
      alertSamples: samples,
      alerts,
      accounts: org ? org.summary(report.shards, alerts) : null,
      queries,
      motoPeakMb: moto ? Math.round((peakRssBytes(moto.pid) ?? 0) / 1048576) || null : null,
      seconds: (Date.now() - started) / 1000,
    };
  } finally {
    if (moto) await moto.stop();
  }
}

/** The log files as the organization trail writes them: the story's re-homed by source account, generated ones by file. */
function* organizationFiles(org: OrgDemo, files: Iterable<{ key: string; body: Buffer; records: JsonObject[] }>, generated: boolean) {
  let i = 0;
  for (const f of files) yield generated ? org.scaleFile(f, i++) : org.logFile(f);
}
