/**
 * The end-to-end run behind the cost figures, on moto_server, through both
 * lanes of the data flow (issue 13):
 *
 *   live lane:  capture rules -> Firehose (30 s / 5 MiB) -> staged object under live/
 *               -> S3 "Object Created" -> the ingest queue -> the ingest handler
 *   trail lane: CloudTrail log file in the trail bucket -> "Object Created" -> the same queue
 *
 * moto has no Firehose target and no S3-to-EventBridge delivery, so the bench
 * plays them (lib/local/live-lane.ts EmulatedLiveLane and ObjectNotices), and
 * counts what Firehose would bill (records, bytes rounded up to 5 KB each).
 * The queue is drained into the real ingest handler (lambdas/ingest.ts: the
 * runtime of lib/ingest/lanes-runtime.ts and ingestSqsBatch, run in-process as
 * the emulator has no Lambda), then the real seal handler runs once, and the
 * archive is verified from S3. Every AWS request is counted by the
 * request-counter middleware, by phase:
 *
 *   transport: what the bench does in place of AWS (Firehose's PUTs of staged objects,
 *              CloudTrail's PUTs of log files, EventBridge's SendMessage of notices)
 *   ingest:    the ingest handler and its event-source mapping (receive, delete)
 *   seal:      one scheduled seal run
 *
 * The generated stream maps onto time at lib/demo/scale-events.ts
 * EVENTS_PER_SECOND (100 management events/s): each Firehose window of 30 s
 * holds the live lane's share of 3,000 generated events and becomes one staged
 * object; each CloudTrail log file holds 5 minutes (30,000 events). Run by
 * bench/run.ts in its own process, one workload per process:
 *
 *   node --import tsx bench/cost/e2e.ts '{"events":60000,"workload":"writes"}'
 */
import { GetQueueAttributesCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { KMSClient } from '@aws-sdk/client-kms';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { Context, SQSEvent, SQSBatchResponse } from 'aws-lambda';
import { clientConfig } from '../../lib/aws/client-config';
import { KmsSigner } from '../../lib/aws/kms-signer';
import { RequestCounter, type RequestCount } from './request-counter';
import { ENV } from '../../lib/contract/runtime-config';
import { S3Source } from '../../lib/aws/s3-source';
import { planShards } from '../../lib/contract/shards';
import { ANY_KEY_NAME, parseSignedCheckpoint } from '../../lib/core/checkpoint';
import { memberForwarder, OrgDemo, s3NotificationBody } from '../../lib/demo/org-demo';
import { organizationShards } from '../../lib/demo/organization';
import { EVENTS_PER_SECOND } from '../../lib/demo/scale-events';
import { drainQueue } from '../../lib/local/event-source';
import { EmulatedLiveLane, ObjectNotices } from '../../lib/local/live-lane';
import { peakRssBytes, startMoto } from '../../lib/local/moto';
import { provisionLocalStack } from '../../lib/local/provision';
import { verifyArchive } from '../../lib/verify/verify-archive';
import { countEveryClient } from './count-every-client';
import { attackDeliveries, orgDeliveries, scaleDeliveries, type RunRate } from './deliveries';
import { DynamoBilling, type CapacityUnits } from './dynamo-units';
import type { InvocationProfile } from './lambda-duration';
import { newTally, phaseCounter, type PhaseTally } from './phase-counter';
import { FIREHOSE_BUFFER_BYTES, firehoseBilledBytes, ORG_ACCOUNTS, type Workload } from './workload';

/** transport: what the bench does in AWS's place; ingest: the ingest handler and its event-source mapping; seal: one scheduled seal run. */
export type Phase = 'transport' | 'ingest' | 'seal';

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
  /** Bytes of S3 objects put (in ingest: what the archive stores). */
  s3PutBytes: number;
}

export interface LaneCounts {
  live: {
    /** Events the capture rules matched: Firehose records (one EventBridge envelope each). */
    records: number;
    /** Their bytes as Firehose receives them, and as it bills them (each record rounded up to 5 KB). */
    bytes: number;
    billedBytes: number;
    /** Staged objects Firehose wrote (one per buffering window). */
    objects: number;
    stagedBytes: number;
  };
  trail: { files: number; records: number; bytes: number };
  /** "Object Created" notices EventBridge sent to the ingest queue (staged objects and log files). */
  notices: number;
  noticeBytes: number;
  /** Of the notices, those S3 sent straight to the queue (an organization trail bucket's notifications): no EventBridge charge. */
  directNotices: number;
  /** Member accounts' events their member stacks forwarded to the audit account's bus (billed as cross-account events). */
  forwarded: number;
  /** Member accounts' live events the member stack does not forward (they come by the trail lane only). */
  notForwarded: number;
}

export interface E2eResult {
  workload: Workload;
  /** Management events generated (or records of the attack sample's log files plus its state changes). */
  events: number;
  /** Events the archive holds (event and quarantine records): the denominator of "per million events". */
  capturedEvents: number;
  /** Records in the archive by kind (event, alert, coverage, genesis, quarantine). */
  recordKinds: Record<string, number>;
  /** How the run maps to time: generated events per second, events per Firehose window, records per log file. */
  rate: RunRate;
  lanes: LaneCounts;
  /** From the handler's own "batch ingested" log lines, summed. */
  ingestStats: Record<string, number>;
  invocations: number;
  handlerMs: number[];
  /** CPU time of this process while the handler ran (the emulator runs in another process). */
  handlerCpuMs: number;
  /** Per invocation: wall and CPU time, lane, and the requests the handler made (the Lambda duration model's input). */
  invocationProfiles: InvocationProfile[];
  /** What the handler wrote to stdout (powertools log lines and EMF metrics): what CloudWatch Logs ingests from it. */
  logBytes: number;
  alerts: number;
  alertKinds: Record<string, number>;
  phases: Record<Phase, PhaseCounts>;
  archive: { ok: boolean; records: number; sealed: number; objects: number; bytes: number; problems: string[] };
  deadLetters: number;
  motoPeakMb: number | null;
  wallSeconds: number;
}

/** Who may change infrastructure, as in the demo: CDK's and the pipeline's roles (the generated routine writes are the pipeline's). */
const DEPLOYERS = ['arn:aws:iam::*:role/cdk-*', 'arn:aws:iam::*:role/deploy-*'];

const progress = (s: string) => process.stderr.write(`  ${s}\n`);

class E2eError extends Error {
  readonly code = 'E2E_FAILED';
}

async function main(): Promise<void> {
  const input = JSON.parse(process.argv[2] ?? '{"events":5000,"workload":"writes"}') as { events: number; workload: Workload };
  const workload = input.workload;
  const started = performance.now();
  const moto = await startMoto();
  try {
    const target = { region: 'us-east-1', endpoint: moto.endpoint };
    const captureReadOnly = workload !== 'writes';
    const org = workload === 'org' ? new OrgDemo(ORG_ACCOUNTS) : null;
    const shards = org ? organizationShards(org.org) : undefined;
    const stack = await provisionLocalStack(target, { objectLock: true, capture: { captureReadOnlyApiCalls: captureReadOnly }, ...(shards ? { shards } : {}) });
    const s3 = new S3Client(clientConfig(target));
    const trailBucket = `${stack.name}-trail`;
    await s3.send(new CreateBucketCommand({ Bucket: trailBucket }));
    // The handlers build their clients from the environment, as in Lambda; AWS_ENDPOINT_URL sends them to moto.
    Object.assign(process.env, stack.env, {
      [ENV.trailBucket]: trailBucket,
      [ENV.deployerPrincipals]: JSON.stringify(DEPLOYERS),
      AWS_REGION: target.region,
      AWS_ENDPOINT_URL: moto.endpoint,
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
      POWERTOOLS_SERVICE_NAME: 'immutrail',
    });
    // The default capture leaves the variable unset.
    if (!captureReadOnly) delete process.env[ENV.captureReadOnly];
    else process.env[ENV.captureReadOnly] = 'true';

    const billing = new DynamoBilling();
    const tallies: Record<Phase, PhaseTally> = { transport: newTally(), ingest: newTally(), seal: newTally() };
    // The event-source mapping calls the handler one invocation at a time, so requests made meanwhile are its.
    let invocation: InvocationProfile | null = null;
    const counters: Record<Phase, RequestCounter> = {
      transport: phaseCounter(billing, tallies.transport, () => null),
      ingest: phaseCounter(billing, tallies.ingest, () => invocation),
      seal: phaseCounter(billing, tallies.seal, () => null),
    };
    let phase: Phase | null = null;
    countEveryClient(() => (phase ? counters[phase] : null));

    const ingest = (await import('../../lambdas/ingest')).handler as unknown as (e: SQSEvent, c: Context) => Promise<SQSBatchResponse>;
    const context = {
      functionName: 'immutrail-ingest',
      memoryLimitInMB: '1769',
      awsRequestId: 'bench',
      invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:immutrail-ingest',
    } as unknown as Context;
    const sqs = new SQSClient(clientConfig(target));
    const queueArn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: stack.queueUrl, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
    const notices = new ObjectNotices(sqs, stack.queueUrl, target.region);
    const live = new EmulatedLiveLane(s3, notices, {
      stagingBucket: stack.stagingBucket,
      prefix: stack.stagingPrefix,
      plan: planShards(shards),
      bufferBytes: FIREHOSE_BUFFER_BYTES,
    });
    const lanes: LaneCounts = {
      live: { records: 0, bytes: 0, billedBytes: 0, objects: 0, stagedBytes: 0 },
      trail: { files: 0, records: 0, bytes: 0 },
      notices: 0,
      noticeBytes: 0,
      directNotices: 0,
      forwarded: 0,
      notForwarded: 0,
    };
    const auditAccount = org?.org.accounts[0].id;
    const forwards = memberForwarder();

    const handlerMs: number[] = [];
    let handlerCpuMs = 0;
    const invocationProfiles: InvocationProfile[] = [];
    let logBytes = 0;
    let alerts = 0;
    const ingestStats: Record<string, number> = {};
    let lane: 'live' | 'trail' = 'live';
    const handler = async (event: SQSEvent): Promise<SQSBatchResponse> => {
      for (const r of event.Records) {
        lanes.notices++;
        lanes.noticeBytes += Buffer.byteLength(r.body);
      }
      // What the handler writes to stdout is what CloudWatch Logs ingests (powertools logs and EMF metrics).
      const write = process.stdout.write.bind(process.stdout);
      process.stdout.write = ((chunk: string | Uint8Array) => {
        const text = chunk.toString();
        logBytes += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
        const m = /"Alerts":\s*\[?(\d+)/.exec(text);
        if (m) alerts += Number(m[1]);
        for (const line of text.split('\n')) {
          if (!line.includes('"batch ingested"')) continue;
          const stats = JSON.parse(line) as Record<string, unknown>;
          for (const [k, v] of Object.entries(stats))
            if (typeof v === 'number' && k !== 'level' && k !== 'sampling_rate') ingestStats[k] = (ingestStats[k] ?? 0) + v;
        }
        return true;
      }) as typeof process.stdout.write;
      const profile: InvocationProfile = { wallMs: 0, cpuMs: 0, shards: 1, requests: {}, alertRequests: {}, lane };
      invocation = profile;
      const t0 = performance.now();
      const cpu0 = process.cpuUsage();
      try {
        return await ingest(event, context);
      } finally {
        invocation = null;
        handlerMs.push(performance.now() - t0);
        const cpu = process.cpuUsage(cpu0);
        handlerCpuMs += (cpu.user + cpu.system) / 1000;
        profile.wallMs = Math.round(handlerMs.at(-1)! * 10) / 10;
        profile.cpuMs = Math.round((cpu.user + cpu.system) / 100) / 10;
        invocationProfiles.push(profile);
        process.stdout.write = write;
      }
    };
    const drained = { invocations: 0, messages: 0, failures: 0 };
    const drain = async () => {
      phase = 'ingest';
      const d = await drainQueue(sqs, { url: stack.queueUrl, arn: queueArn, region: target.region }, handler, { idleRounds: 1, retryFailedAtOnce: true });
      phase = null;
      drained.invocations += d.invocations;
      drained.messages += d.messages;
      drained.failures += d.failures;
      if (drained.invocations % 10 === 0 || d.invocations > 1)
        progress(`${drained.invocations} invocations (${lanes.live.records} live records, ${lanes.trail.files} log files)`);
    };

    const plan =
      workload === 'attack'
        ? attackDeliveries()
        : org
          ? { ...orgDeliveries(input.events, org), events: input.events }
          : { ...scaleDeliveries(input.events), events: input.events };
    const rate: E2eResult['rate'] =
      'rate' in plan ? plan.rate : { eventsPerSecond: EVENTS_PER_SECOND, eventsPerWindow: plan.events, recordsPerTrailFile: 0, readOnlyShare: null };
    for (const d of plan.deliveries) {
      phase = 'transport';
      if (d.lane === 'live') {
        for (const e of d.envelopes) {
          // A member account's event reaches the audit account's live lane only if its member stack forwards it.
          if (org && e.account !== auditAccount) {
            if (!forwards(e)) {
              lanes.notForwarded++;
              continue;
            }
            lanes.forwarded++;
          }
          if (!(await live.put(e))) continue;
          const bytes = Buffer.byteLength(JSON.stringify(e));
          lanes.live.records++;
          lanes.live.bytes += bytes;
          lanes.live.billedBytes += firehoseBilledBytes(bytes);
          lanes.live.stagedBytes += bytes + 1;
        }
        await live.flush();
      } else {
        // CloudTrail writes the file (its PUT is the trail's cost, not immutrail's); S3 announces it.
        await s3.send(new PutObjectCommand({ Bucket: trailBucket, Key: d.file.key, Body: d.file.body }));
        if (org) {
          // The log-archive account's bucket notifies the queue itself (trailNotifications 'queue'): no EventBridge.
          const body = s3NotificationBody(trailBucket, d.file.key, d.file.body.length);
          await sqs.send(new SendMessageCommand({ QueueUrl: stack.queueUrl, MessageBody: body }));
          lanes.directNotices++;
        } else await notices.add(trailBucket, d.file.key, d.file.body.length);
        lanes.trail.files++;
        lanes.trail.records += d.file.records.length;
        lanes.trail.bytes += d.file.body.length;
      }
      await notices.flush();
      phase = null;
      lane = d.lane;
      await drain();
    }
    lanes.live.objects = live.counts.objects;
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
    const recordKinds: Record<string, number> = {};
    for await (const o of source.list('records/')) {
      for (const line of (await source.get(o.key)).toString('utf8').split('\n')) {
        const kind = /"kind":"([a-z]+)"/.exec(line)?.[1];
        if (!kind) continue;
        recordKinds[kind] = (recordKinds[kind] ?? 0) + 1;
        if (kind !== 'alert') continue;
        const alertKind = String((JSON.parse(line) as { data: { alert: { kind: string } } }).data.alert.kind);
        alertKinds[alertKind] = (alertKinds[alertKind] ?? 0) + 1;
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
    const capturedEvents = (recordKinds.event ?? 0) + (recordKinds.quarantine ?? 0);
    const result: E2eResult = {
      workload,
      events: plan.events,
      capturedEvents,
      recordKinds,
      rate,
      lanes,
      ingestStats,
      invocations: drained.invocations,
      handlerMs,
      handlerCpuMs: Math.round(handlerCpuMs),
      invocationProfiles,
      logBytes,
      alerts,
      alertKinds,
      phases,
      archive: {
        ok: report.ok,
        records: report.records,
        sealed: signed.checkpoint.size,
        objects: report.objects,
        bytes: report.bytes,
        problems: report.problems.slice(0, 5).map((p) => p.message),
      },
      deadLetters: Number(dlq.Attributes?.ApproximateNumberOfMessages ?? 0),
      motoPeakMb: Math.round((peakRssBytes(moto.pid) ?? 0) / 1048576) || null,
      wallSeconds: Math.round((performance.now() - started) / 100) / 10,
    };
    progress(
      `${workload}: ${plan.events} events, ${capturedEvents} archived in ${report.objects} objects (${report.ok ? 'verified' : 'VERIFY FAILED'}), ` +
        `${drained.invocations} invocations, ${Math.round((performance.now() - started) / 1000)} s`,
    );
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    await moto.stop();
  }
}

main().catch((err: Error) => {
  process.stderr.write(`${err.stack ?? err.message}\n`);
  process.exit(1);
});
