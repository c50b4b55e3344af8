import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient, DeleteMessageBatchCommand } from '@aws-sdk/client-sqs';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { recordAttestation, signAttestation } from '../attest/attest';
import { AttestationStore } from '../aws/attestation-store';
import { ChainStore } from '../aws/chain-store';
import { clientConfig, type AwsTarget } from '../aws/client-config';
import { liveHeads } from '../aws/live-heads';
import { S3Source } from '../aws/s3-source';
import { trustedKeyFromPem } from '../core/checkpoint';
import { ingestRuntime } from '../ingest/runtime';
import { ingestSqsBatch } from '../ingest/sqs-batch';
import { drainQueue } from '../local/event-source';
import { startMoto, type MotoServer } from '../local/moto';
import { deployLocalStack } from '../local/deploy-template';
import type { LocalStack } from '../local/provision';
import { runSeal, sealRuntime } from '../seal/runtime';
import { backfill, type BackfillSummary } from '../trail/backfill';
import { captureFromEnv } from '../trail/runtime';
import { S3LogFiles } from '../trail/log-file-source';
import { TrailBucket } from '../trail/trail-bucket';
import { verifyArchive, type VerifyReport } from '../verify/verify-archive';
import { DEMO_ATTESTED_DIGEST, DEMO_TRAIL_LOGS_DIR, demoStateChanges, demoTrailLogs } from './demo-events';
import { planReplay, putEvents } from './replay';
import { buildInclusionProof } from '../prove/build-proof';
import { DynamoIndexTable } from '../prove/dynamo-index-table';
import { RequestMeter, meterAwsClient } from '../prove/request-meter';
import { verifyProofFile } from '../prove/verify-proof';

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
  /** Runs the named queries the demo shows; returns rendered tables. */
  queries?: (stack: LocalStack) => Promise<{ name: string; rendered: string; rows: number }[]>;
}

export interface DemoSummary {
  endpoint: string;
  keptRunning: boolean;
  stack: Pick<LocalStack, 'bucket' | 'table' | 'signingKeyId' | 'origin' | 'topicArn' | 'queueUrl'> & { region: string };
  trailLogFiles: number;
  apiCallsInLogs: number;
  readOnlySkipped: number;
  sentThroughEventBridge: number;
  missedByEventBridge: number;
  ingest: { invocations: number; messages: number; failures: number };
  backfill: BackfillSummary;
  verify: VerifyReport;
  proof: { eventId: string; action: string; reads: number; valid: boolean; shard: string; seq: number; treeSize: number };
  checkpointSize: number;
  alertsByKind: Record<string, number>;
  alertSamples: string[];
  alerts: ReceivedAlert[];
  queries: { name: string; rendered: string; rows: number }[];
  seconds: number;
}

/** Who may change infrastructure in the demo account: CDK's and the pipeline's roles. */
const DEMO_DEPLOYERS = ['arn:aws:iam::*:role/cdk-*', 'arn:aws:iam::*:role/deploy-*'];

export interface ReceivedAlert {
  kind: string;
  rule: string;
  severity: string;
  subject: string;
  resource: string | null;
  eventId: string | null;
}

async function readAlerts(sqs: SQSClient, url: string): Promise<ReceivedAlert[]> {
  const alerts: ReceivedAlert[] = [];
  for (let idle = 0; idle < 2; ) {
    const out = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10 }));
    const msgs = out.Messages ?? [];
    if (msgs.length === 0) {
      idle++;
      continue;
    }
    for (const m of msgs) {
      const envelope = JSON.parse(m.Body!);
      const body = JSON.parse(envelope.Message);
      alerts.push({ kind: body.kind, rule: body.rule, severity: body.severity, subject: envelope.Subject, resource: body.resource, eventId: body.eventId });
    }
    await sqs.send(new DeleteMessageBatchCommand({ QueueUrl: url, Entries: msgs.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })) }));
  }
  return alerts;
}

/**
 * The whole product on a local emulator: provision, attest a build, replay
 * real CloudTrail activity and state changes through EventBridge -> SQS FIFO ->
 * the ingest handler, backfill what EventBridge missed from the trail's log
 * files, seal, verify, query, and collect the alerts an on-call tool receives.
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

    p.step('Deploying the synthesized stack template to the emulator (CloudFormation)');
    const attestKey = (await kms.send(new CreateKeyCommand({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY', Description: 'CI attestation key (demo)' })))
      .KeyMetadata!.Arn!;
    const stack = await deployLocalStack(target, { deployerPrincipals: DEMO_DEPLOYERS, attestationKeyArns: [attestKey], onStep: (l) => p.info(l) });
    const env = { ...process.env, ...stack.env };
    const runtime = await ingestRuntime(env, target);

    p.step('CI attests the image it built (KMS-signed attestation, recorded in the registry and the chain)');
    const att = await signAttestation(kms, { subject: DEMO_ATTESTED_DIGEST, subjectType: 'image-digest', keyId: attestKey, signer: 'ci/build-4711' });
    await recordAttestation(new AttestationStore(new DynamoDBClient(cfg), stack.table), runtime.deps, att);
    p.info(`attested ${att.subject.slice(0, 23)}... with ${attestKey.split('/').pop()}`);

    p.step('Replaying real CloudTrail activity and state changes through EventBridge');
    const logs = demoTrailLogs();
    const records = logs.flatMap((f) => f.records);
    const plan = planReplay(records, demoStateChanges());
    const eb = new EventBridgeClient(cfg);
    const putBar = p.bar('PutEvents');
    const failed = await putEvents(eb, plan.entries, (done) => putBar.update(done, plan.entries.length));
    putBar.stop();
    p.info(
      `${logs.length} trail log files, ${records.length} records: ${plan.captured} API calls captured (${plan.readOnly} read-only skipped by the rules), ` +
        `${plan.heldBack} of them "missed" by EventBridge on purpose, ${plan.entries.length - failed} events put`,
    );

    p.step('Ingest: draining the FIFO queue into the ingest handler, as Lambda\'s event source mapping does');
    const sqs = new SQSClient(cfg);
    const queueArn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: stack.queueUrl, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
    const drainBar = p.bar('ingesting');
    const ingest = await drainQueue(
      sqs,
      { url: stack.queueUrl, arn: queueArn, region },
      async (event) => (await ingestSqsBatch(runtime.deps, event)).response,
      { onBatch: (r) => drainBar.update(r.messages, plan.entries.length) },
    );
    drainBar.stop();
    p.info(`${ingest.messages} messages in ${ingest.invocations} handler invocations, ${ingest.failures} failed`);

    p.step('Backfill: importing the trail\'s own log files (what EventBridge missed is recovered, the rest is skipped)');
    const s3 = new S3Client(cfg);
    const trailBucket = `${stack.name}-trail`;
    await s3.send(new CreateBucketCommand({ Bucket: trailBucket }));
    for (const f of logs) {
      await s3.send(new PutObjectCommand({ Bucket: trailBucket, Key: f.key, Body: readFileSync(join(DEMO_TRAIL_LOGS_DIR, ...f.key.split('/'))) }));
    }
    const capture = captureFromEnv(env);
    const backfillBar = p.bar('backfilling');
    const backfilled = await backfill(runtime.deps, new S3LogFiles(new TrailBucket(s3, trailBucket, ''), ''), {
      ...capture,
      onProgress: (d, t) => backfillBar.update(d, t),
    });
    backfillBar.stop();
    p.info(`${backfilled.files} files: ${backfilled.archived} recovered, ${backfilled.alreadyThere} already archived, ${backfilled.skipped} not captured`);

    p.step('Seal: a checkpoint over every shard, signed by the KMS key');
    const sealed = await runSeal(sealRuntime(env, target));
    p.info(`checkpoint of ${sealed.signed.checkpoint.size} records in ${sealed.signed.checkpoint.shards.length} shards: ${sealed.key}`);

    p.step('Verify: every record, link and checkpoint, with only the public key');
    const publicKey = await sealRuntime(env, target).deps.signer.publicKey();
    const verifyBar = p.bar('verifying');
    const report = await verifyArchive(new S3Source(s3, stack.bucket), {
      keys: [trustedKeyFromPem(stack.origin, publicKey.export({ type: 'spki', format: 'pem' }))],
      heads: await liveHeads(new ChainStore(new DynamoDBClient(cfg), stack.table)),
      checkDuplicates: true,
      onProgress: (x) => verifyBar.update(x.objects, x.totalObjects),
    });
    verifyBar.stop();
    p.info(report.ok ? `OK: ${report.records} records, ${report.objects} objects, no problem` : `FAILED: ${report.problems.length} problems`);

    p.step('Prove: an inclusion proof for one record, checked offline with only the public key');
    const target_ = records.find((r) => r.eventName === 'StopLogging') ?? records.find((r) => typeof r.eventID === 'string')!;
    const meter = new RequestMeter();
    const proofDdb = new DynamoDBClient(cfg);
    const proofS3 = new S3Client(cfg);
    meterAwsClient(proofDdb, meter);
    meterAwsClient(proofS3, meter);
    const proven = await buildInclusionProof(
      { table: new DynamoIndexTable(proofDdb, stack.table), objects: new S3Source(proofS3, stack.bucket), meter },
      String(target_.eventID),
    );
    const verdict = verifyProofFile(proven.proof, [trustedKeyFromPem(stack.origin, publicKey.export({ type: 'spki', format: 'pem' }))]);
    const proof = { eventId: String(target_.eventID), action: String(target_.eventName), reads: proven.reads.reads, valid: verdict.ok, shard: proven.proof.shard, seq: proven.proof.seq, treeSize: proven.proof.treeSize };
    p.info(`${proof.action} ${proof.eventId}: record ${proof.seq} of ${proof.treeSize} in shard ${proof.shard}, ${proof.reads} storage reads, offline check ${verdict.ok ? 'valid' : `INVALID (${verdict.failed})`}`);

    let queries: DemoSummary['queries'] = [];
    if (opts.queries) {
      p.step('Query: named audit queries on DuckDB over the archive (the same SQL runs on Athena)');
      queries = await opts.queries(stack);
      for (const q of queries) p.info(`\n  ${q.name} (${q.rows} rows)\n` + q.rendered.split('\n').map((l) => `  ${l}`).join('\n'));
    }

    p.step('Alerts received by an SQS queue subscribed to the alert topic');
    // Alerts left in the outbox (none, unless a publish failed) go out with the next seal's sweep.
    await sealRuntime(env, target).outbox?.sweep();
    const alerts = await readAlerts(sqs, stack.alertInboxUrl);
    const alertsByKind: Record<string, number> = {};
    for (const a of alerts) alertsByKind[a.kind] = (alertsByKind[a.kind] ?? 0) + 1;
    const order = ['critical', 'high', 'medium', 'low'];
    const samples = [...alerts]
      .sort((a, b) => order.indexOf(a.severity) - order.indexOf(b.severity))
      .filter((a, i, all) => all.findIndex((b) => b.kind === a.kind) === i || i < 3)
      .slice(0, 8)
      .map((a) => a.subject);

    return {
      endpoint: target.endpoint!,
      keptRunning: Boolean(opts.endpoint),
      stack: { bucket: stack.bucket, table: stack.table, signingKeyId: stack.signingKeyId, origin: stack.origin, topicArn: stack.topicArn, queueUrl: stack.queueUrl, region },
      trailLogFiles: logs.length,
      apiCallsInLogs: plan.captured,
      readOnlySkipped: plan.readOnly,
      sentThroughEventBridge: plan.entries.length - failed,
      missedByEventBridge: plan.heldBack,
      ingest,
      backfill: backfilled,
      verify: report,
      proof,
      checkpointSize: sealed.signed.checkpoint.size,
      alertsByKind,
      alertSamples: samples,
      alerts,
      queries,
      seconds: (Date.now() - started) / 1000,
    };
  } finally {
    if (moto) await moto.stop();
  }
}
