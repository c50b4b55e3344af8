import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import type { JsonObject } from '../core/json';
import { isCapturedApiCall } from '../core/normalize';
import { ingestSqsBatch } from '../ingest/sqs-batch';
import { drainQueue, type DrainResult } from '../local/event-source';
import type { EmulatedLiveLane } from '../local/live-lane';
import { DEMO_TRAIL_LOGS_DIR, demoStateChanges, type TrailLogFile } from './demo-events';
import type { OrgDemo } from './org-demo';
import { cloudTrailEnvelope, missedByEventBridge } from './replay';
import type { DemoProgress, LaneSummary } from './run-demo';
import { READ_ONLY_SHARE, scaleLogFiles, type ScaleTemplates } from './scale-events';

// The demo's two lanes into the ingest handler: the live lane (the capture
// rules' matches, buffered into staged objects as Firehose does) and the trail
// lane (the trail's own log files), each drained from the ingest queue.

/** A trail log file: its key, its bytes, its records and, with --accounts, the account it was re-homed to. */
export interface DemoTrailFile {
  key: string;
  body: Buffer;
  records: JsonObject[];
  account?: string;
}

/** The ingest queue drained into the handler in-process, as Lambda's event source would, with running totals. */
export interface DemoIngest {
  drain(label: string, expected: number): Promise<DrainResult>;
  readonly totals: { invocations: number; messages: number; failures: number };
  /** Events archived from the trail lane alone (the live lane never brought them), over every drain so far. */
  recovered(): number;
}

export async function demoIngest(sqs: SQSClient, queue: { url: string; region: string }, deps: Parameters<typeof ingestSqsBatch>[0], p: DemoProgress): Promise<DemoIngest> {
  const arn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queue.url, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
  const totals = { invocations: 0, messages: 0, failures: 0 };
  let recovered = 0;
  const handler = async (event: SQSEvent) => {
    const out = await ingestSqsBatch(deps, event);
    recovered += out.stats.trailRecovered;
    return out.response;
  };
  const drain = async (label: string, expected: number) => {
    const bar = p.bar(label);
    const r = await drainQueue(sqs, { url: queue.url, arn, region: queue.region }, handler, {
      onBatch: (x) => bar.update(x.messages, expected),
      retryFailedAtOnce: true,
    });
    bar.stop();
    totals.invocations += r.invocations;
    totals.messages += r.messages;
    totals.failures += r.failures;
    return r;
  };
  return { drain, totals, recovered: () => recovered };
}

/** The trail's log files: the story's, or `events` generated from them (scale); with an organization, as its trail writes them. */
export function demoTrailFiles(logs: TrailLogFile[], scale: ScaleTemplates | null, events: number | undefined, org: OrgDemo | null): () => Iterable<DemoTrailFile> {
  const singleAccountFiles = (): Iterable<DemoTrailFile> =>
    scale ? scaleLogFiles(scale, events!) : logs.map((f) => ({ key: f.key, body: readFileSync(join(DEMO_TRAIL_LOGS_DIR, ...f.key.split('/'))), records: f.records }));
  // With --accounts, every file as the organization trail writes it, in the account it was re-homed to.
  return () => (org ? organizationFiles(org, singleAccountFiles(), Boolean(scale)) : singleAccountFiles());
}

/** The log files as the organization trail writes them: the story's re-homed by source account, generated ones by file. */
function* organizationFiles(org: OrgDemo, files: Iterable<{ key: string; body: Buffer; records: JsonObject[] }>, generated: boolean) {
  let i = 0;
  for (const f of files) yield generated ? org.scaleFile(f, i++) : org.logFile(f);
}

/** What both lanes share: progress, the ingest queue, the organization (if any), the trail's files and the tallies. */
export interface LaneRun {
  p: DemoProgress;
  ingest: DemoIngest;
  org: OrgDemo | null;
  files: () => Iterable<DemoTrailFile>;
  /** Generated management events (a scale run), or undefined for the story. */
  events: number | undefined;
  lanes: LaneSummary;
}

/** The live lane: the trail's write calls the capture rules match, and the state changes, into staged objects; then ingest. Returns the ids it carried. */
export async function runLiveLane(run: LaneRun, live: EmulatedLiveLane): Promise<Set<string>> {
  const { p, org, lanes } = run;
  p.step(
    run.events
      ? `Live lane: ${run.events.toLocaleString('en-US')} generated management events (${Math.round(READ_ONLY_SHARE * 100)}% read-only), the rules' matches buffered by Firehose into the staging bucket`
      : 'Live lane: real CloudTrail activity and state changes through the capture rules, buffered by Firehose into the staging bucket',
  );
  const liveIds = new Set<string>();
  let captured = 0;
  for (const file of run.files()) {
    for (const r of file.records) {
      if (!isCapturedApiCall(r, { captureReadOnly: false })) continue;
      // Every seventh write EventBridge "misses" in the story: the trail lane brings it.
      if (!run.events && missedByEventBridge(captured++)) {
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
  const liveRun = await run.ingest.drain('ingesting the live lane', live.counts.objects);
  p.info(`${liveRun.messages} object notices in ${liveRun.invocations} handler invocations, ${liveRun.failures} failed`);
  return liveIds;
}

/** The trail lane: every log file lands in the trail bucket and is announced to the ingest queue; then ingest. */
export async function runTrailLane(run: LaneRun, liveIds: ReadonlySet<string>, trail: { sqs: SQSClient; s3: S3Client; queueUrl: string; bucket: string }): Promise<void> {
  const { p, org, lanes } = run;
  p.step("Trail lane: the trail's own log files (read-only calls included) land in the trail bucket, S3 announces each to the ingest queue");
  for (const file of run.files()) {
    if (org) await org.deliverLogFile(trail.sqs, trail.queueUrl, trail.bucket, file as Parameters<OrgDemo['deliverLogFile']>[3]);
    else await trail.s3.send(new PutObjectCommand({ Bucket: trail.bucket, Key: file.key, Body: file.body }));
    lanes.trail.files++;
    lanes.trail.records += file.records.length;
    for (const r of file.records) if (liveIds.has(String(r.eventID))) lanes.both++;
  }
  const trailRun = await run.ingest.drain('ingesting the trail lane', lanes.trail.files);
  lanes.trail.recovered = run.ingest.recovered();
  p.info(
    `${trailRun.messages} notices in ${trailRun.invocations} handler invocations, ${trailRun.failures} failed: ` +
      `${lanes.both} records had come by the live lane already (archived once), ${lanes.trail.recovered} archived from the trail lane alone`,
  );
}
