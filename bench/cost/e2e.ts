/**
 * The end-to-end run behind the cost figure, on moto_server: the local data
 * plane (lib/local/provision), N real-shaped events put on EventBridge, the
 * FIFO queue drained into the real ingest handler (lambdas/ingest.ts, run
 * in-process as the emulator has no Lambda), then the real seal handler (checkpoint,
 * proof tiles, outbox sweep), and the archive verified from S3. Every AWS request the
 * handlers and the event-source mapping make is counted by the request-counter
 * middleware, by phase. Run by bench/run.ts in its own process:
 *
 *   node --import tsx bench/cost/e2e.ts '{"events":1000}'
 */
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { KMSClient } from '@aws-sdk/client-kms';
import { S3Client } from '@aws-sdk/client-s3';
import type { Context, SQSEvent, SQSBatchResponse } from 'aws-lambda';
import { clientConfig } from '../../lib/aws/client-config';
import { KmsSigner } from '../../lib/aws/kms-signer';
import { RequestCounter, type RequestCount } from '../../lib/aws/request-counter';
import { S3Source } from '../../lib/aws/s3-source';
import { ANY_KEY_NAME, parseSignedCheckpoint } from '../../lib/core/checkpoint';
import type { JsonObject } from '../../lib/core/json';
import { envelopeEntry, putEvents } from '../../lib/demo/replay';
import { drainQueue } from '../../lib/local/event-source';
import { startMoto } from '../../lib/local/moto';
import { provisionLocalStack } from '../../lib/local/provision';
import { shardOf } from '../../lib/ingest/sqs-batch';
import { verifyArchive } from '../../lib/verify/verify-archive';
import { eventStream, loadTemplates } from '../corpus/event-stream';
import { countEveryClient } from './count-every-client';
import { DynamoBilling, type CapacityUnits } from './dynamo-units';
import type { InvocationProfile } from './lambda-duration';
import { newTally, phaseCounter, type PhaseTally } from './phase-counter';

/** ingest: the ingest handler and its event-source mapping; seal: one scheduled seal run (checkpoint, tiles, outbox sweep). */
export type Phase = 'ingest' | 'seal';

export interface PhaseCounts {
  requests: RequestCount[];
  /** DynamoDB capacity units of the table by operation, and of each index's writes under `${GSI_PREFIX}<index name>` (dynamo-units.ts). */
  dynamo: Record<string, CapacityUnits>;
  /** The part of this phase that was alert handling (bench/cost/alert-attribution.ts). */
  alerts: {
    /** Request attempts that were alert handling as a whole, by "Service.Operation". */
    requests: Record<string, number>;
    /** DynamoDB units of alert items, table and index, whichever request wrote or read them. */
    dynamo: CapacityUnits;
  };
  /** DynamoDB charges whose units are estimates (the stored item was not seen), by "Operation: reason". */
  estimates: Record<string, number>;
  /** Bytes of S3 objects put (what the archive stores). */
  s3PutBytes: number;
}

export interface E2eResult {
  events: number;
  eventsDrained: number;
  avgMessageBytes: number;
  invocations: number;
  handlerMs: number[];
  /** CPU time of this process while the handler ran (the emulator runs in another process). */
  handlerCpuMs: number;
  /** Per invocation: wall and CPU time, shards, and the requests the handler made (the Lambda duration model's input). */
  invocationProfiles: InvocationProfile[];
  logBytes: number;
  alerts: number;
  alertKinds: Record<string, number>;
  phases: Record<Phase, PhaseCounts>;
  archive: { ok: boolean; records: number; sealed: number; objects: number; bytes: number; problems: string[] };
  deadLetters: number;
  wallSeconds: number;
}

/** Events put on EventBridge before the queue is drained. */
const WAVE = 50;

const progress = (s: string) => process.stderr.write(`  ${s}\n`);

class E2eError extends Error {
  readonly code = 'E2E_FAILED';
}

async function main(): Promise<void> {
  const { events: n, env: extraEnv = {} } = JSON.parse(process.argv[2] ?? '{"events":1000}') as { events: number; env?: Record<string, string> };
  const started = performance.now();
  const moto = await startMoto();
  try {
    const target = { region: 'us-east-1', endpoint: moto.endpoint };
    const stack = await provisionLocalStack(target, { objectLock: true, extraEnv });
    // The handlers build their clients from the environment, as in Lambda; AWS_ENDPOINT_URL sends them to moto.
    Object.assign(process.env, stack.env, {
      AWS_REGION: target.region,
      AWS_ENDPOINT_URL: moto.endpoint,
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
      POWERTOOLS_SERVICE_NAME: 'immutrail',
    });

    const billing = new DynamoBilling();
    const tallies: Record<Phase, PhaseTally> = { ingest: newTally(), seal: newTally() };
    // The event-source mapping calls the handler one invocation at a time, so requests made meanwhile are its.
    let invocation: InvocationProfile | null = null;
    const counters: Record<Phase, RequestCounter> = {
      ingest: phaseCounter(billing, tallies.ingest, () => invocation),
      seal: phaseCounter(billing, tallies.seal, () => null),
    };
    let phase: Phase | null = null;
    countEveryClient(() => (phase ? counters[phase] : null));

    // Captured events reach the queue through EventBridge rules (AWS service events: free, not counted).
    const eb = new EventBridgeClient(clientConfig(target));
    const entries = [...eventStream(loadTemplates(), n)].map((e) => envelopeEntry(JSON.parse(e.body) as JsonObject));
    const ingest = (await import('../../lambdas/ingest')).handler as unknown as (e: SQSEvent, c: Context) => Promise<SQSBatchResponse>;
    const context = { functionName: 'immutrail-ingest', memoryLimitInMB: '1024', awsRequestId: 'bench', invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:immutrail-ingest' } as unknown as Context;
    const sqs = new SQSClient(clientConfig(target));
    const queueArn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: stack.queueUrl, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
    const handlerMs: number[] = [];
    let handlerCpuMs = 0;
    const invocationProfiles: InvocationProfile[] = [];
    let logBytes = 0;
    let messageBytes = 0;
    let alerts = 0;
    const handler = async (event: SQSEvent): Promise<SQSBatchResponse> => {
      for (const r of event.Records) messageBytes += Buffer.byteLength(r.body);
      // What the handler writes to stdout is what CloudWatch Logs ingests (powertools logs and EMF metrics).
      const write = process.stdout.write.bind(process.stdout);
      process.stdout.write = ((chunk: string | Uint8Array) => {
        logBytes += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
        const m = /"Alerts":\s*\[?(\d+)/.exec(chunk.toString());
        if (m) alerts += Number(m[1]);
        return true;
      }) as typeof process.stdout.write;
      const profile: InvocationProfile = { wallMs: 0, cpuMs: 0, shards: new Set(event.Records.map(shardOf)).size, requests: {}, alertRequests: {} };
      invocation = profile;
      const t0 = performance.now();
      const cpu0 = process.cpuUsage();
      try {
        return await ingest(event, context);
      } finally {
        invocation = null;
        handlerMs.push(performance.now() - t0);
        if (handlerMs.length % 10 === 0) progress(`${handlerMs.length} invocations, last ${Math.round(handlerMs.at(-1)!)} ms`);
        const cpu = process.cpuUsage(cpu0);
        handlerCpuMs += (cpu.user + cpu.system) / 1000;
        profile.wallMs = Math.round(handlerMs.at(-1)! * 10) / 10;
        profile.cpuMs = Math.round((cpu.user + cpu.system) / 100) / 10;
        invocationProfiles.push(profile);
        process.stdout.write = write;
      }
    };
    // Events arrive and are drained in waves, as in an account where the queue
    // stays short (the emulator also slows down as a FIFO queue grows).
    const drained = { invocations: 0, messages: 0, failures: 0 };
    const emitStarted = performance.now();
    let emitMs = 0;
    for (let i = 0; i < entries.length; i += WAVE) {
      const t0 = performance.now();
      const failed = await putEvents(eb, entries.slice(i, i + WAVE));
      emitMs += performance.now() - t0;
      if (failed > 0) throw new E2eError(`${failed} events were refused by EventBridge`);
      phase = 'ingest';
      const d = await drainQueue(sqs, { url: stack.queueUrl, arn: queueArn, region: target.region }, handler, { idleRounds: 1 });
      phase = null;
      drained.invocations += d.invocations;
      drained.messages += d.messages;
      drained.failures += d.failures;
    }
    progress(`${drained.messages} events through the pipeline in ${Math.round((performance.now() - emitStarted) / 1000)} s (EventBridge puts ${Math.round(emitMs / 1000)} s)`);
    if (drained.failures > 0) throw new E2eError(`${drained.failures} messages failed in the ingest handler`);

    phase = 'seal';
    const seal = (await import('../../lambdas/seal')).handler as unknown as (e: unknown, c: Context) => Promise<{ key: string }>;
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = (() => true) as typeof process.stdout.write;
    let sealed: { key: string };
    try {
      sealed = await seal({}, { ...context, functionName: 'immutrail-seal' } as Context);
    } finally {
      process.stdout.write = write;
    }
    phase = null;

    const source = new S3Source(new S3Client(clientConfig(target)), stack.bucket);
    const signed = parseSignedCheckpoint(await source.get(sealed.key));

    const publicKey = await new KmsSigner(new KMSClient(clientConfig(target)), stack.signingKeyId, stack.origin).publicKey();
    const report = await verifyArchive(source, { keys: [{ keyName: ANY_KEY_NAME, publicKey }] });
    const alertKinds: Record<string, number> = {};
    for await (const o of source.list('records/')) {
      for (const line of (await source.get(o.key)).toString('utf8').split('\n')) {
        if (!line.includes('"kind":"alert"')) continue;
        const kind = String((JSON.parse(line) as { data: { alert: { kind: string } } }).data.alert.kind);
        alertKinds[kind] = (alertKinds[kind] ?? 0) + 1;
      }
    }
    const dlq = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: stack.deadLetterQueueUrl, AttributeNames: ['ApproximateNumberOfMessages'] }));

    const observerErrors = Object.values(counters).flatMap((c) => c.observerErrors);
    if (observerErrors.length > 0) throw new E2eError(`request observer failed: ${(observerErrors[0] as Error).stack}`);
    const phases = Object.fromEntries(
      (Object.keys(counters) as Phase[]).map((p) => {
        const t = tallies[p];
        return [p, { requests: counters[p].counts(), dynamo: t.dynamo, alerts: t.alerts, estimates: t.estimates, s3PutBytes: t.putBytes }];
      }),
    ) as Record<Phase, PhaseCounts>;
    const result: E2eResult = {
      events: n,
      eventsDrained: drained.messages,
      avgMessageBytes: Math.round(messageBytes / Math.max(1, drained.messages)),
      invocations: drained.invocations,
      handlerMs,
      handlerCpuMs: Math.round(handlerCpuMs),
      invocationProfiles,
      logBytes,
      alerts,
      alertKinds,
      phases,
      archive: { ok: report.ok, records: report.records, sealed: signed.checkpoint.size, objects: report.objects, bytes: report.bytes, problems: report.problems.slice(0, 5).map((p) => p.message) },
      deadLetters: Number(dlq.Attributes?.ApproximateNumberOfMessages ?? 0),
      wallSeconds: Math.round((performance.now() - started) / 100) / 10,
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    await moto.stop();
  }
}

main().catch((err: Error) => {
  process.stderr.write(`${err.stack ?? err.message}\n`);
  process.exit(1);
});
