import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { shardForEvent, type EventEnvelope } from '../contract/event-patterns';
import type { ShardRoute } from '../contract/shards';
import type { JsonObject } from '../core/json';

/** What S3 puts on EventBridge for a new object, as the objects rule delivers it to the ingest queue. */
export function objectCreatedEvent(bucket: string, key: string, size: number, region: string, time = new Date()): string {
  return JSON.stringify({
    version: '0',
    id: `${bucket}/${key}`,
    'detail-type': 'Object Created',
    source: 'aws.s3',
    account: '000000000000',
    time: time.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region,
    resources: [`arn:aws:s3:::${bucket}`],
    detail: { version: '0', bucket: { name: bucket }, object: { key, size }, reason: 'PutObject' },
  });
}

/** Sends "Object Created" notices to the ingest queue, ten per request, as EventBridge's SQS target would. */
export class ObjectNotices {
  private pending: string[] = [];
  sent = 0;

  constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrl: string,
    private readonly region: string,
  ) {}

  async add(bucket: string, key: string, size: number): Promise<void> {
    this.pending.push(objectCreatedEvent(bucket, key, size, this.region));
    if (this.pending.length >= 10) await this.flush();
  }

  async flush(): Promise<void> {
    while (this.pending.length > 0) {
      const batch = this.pending.splice(0, 10);
      const out = await this.sqs.send(
        new SendMessageBatchCommand({ QueueUrl: this.queueUrl, Entries: batch.map((MessageBody, i) => ({ Id: String(i), MessageBody })) }),
      );
      if (out.Failed && out.Failed.length > 0) throw new Error(`SendMessageBatch failed for ${out.Failed.length} notice(s): ${out.Failed[0].Message}`);
      this.sent += batch.length;
    }
  }
}

export interface LiveLaneOptions {
  stagingBucket: string;
  /** Key prefix Firehose writes under ("live/"). */
  prefix: string;
  /** The stack's shard plan: an event no route matches is not captured by any rule. */
  plan: readonly ShardRoute[];
  /** Firehose's buffering size. @default 5 MiB */
  bufferBytes?: number;
}

/**
 * The live lane where the emulator cannot run it (moto has no Firehose in
 * CloudFormation, and its EventBridge cannot target one): the capture rules'
 * filter, then Firehose's buffering into the staging bucket, one EventBridge
 * envelope per line (its AppendDelimiterToRecord processor), then, where the
 * emulator does not send it, S3's "Object Created" notice to the ingest queue. Only write calls, console
 * sign-ins and state changes match the rules: read-only calls are the trail lane's.
 */
export class EmulatedLiveLane {
  private lines: string[] = [];
  private bytes = 0;
  private seq = 0;
  /** Events the rules matched, objects staged. */
  readonly counts = { events: 0, objects: 0, notMatched: 0 };

  constructor(
    private readonly s3: S3Client,
    /** Who announces staged objects; null where the emulator's own S3 notifications do (deployLocalStack objectNotifications). */
    private readonly notices: ObjectNotices | null,
    private readonly opts: LiveLaneOptions,
  ) {}

  /** Delivers one event as EventBridge would: to the delivery stream if a capture rule matches it. */
  async put(envelope: JsonObject): Promise<boolean> {
    if (shardForEvent(envelope as EventEnvelope, this.opts.plan, { captureReadOnlyApiCalls: false }) === undefined) {
      this.counts.notMatched++;
      return false;
    }
    const line = JSON.stringify(envelope);
    this.lines.push(line);
    this.bytes += Buffer.byteLength(line) + 1;
    this.counts.events++;
    if (this.bytes >= (this.opts.bufferBytes ?? 5 * 1024 * 1024)) await this.flush();
    return true;
  }

  /** Writes what is buffered as one staged object (Firehose at the end of its buffering window). */
  async flush(): Promise<void> {
    if (this.lines.length === 0) return;
    const body = Buffer.from(this.lines.join('\n') + '\n', 'utf8');
    const now = new Date();
    const key = `${this.opts.prefix}${now.toISOString().slice(0, 13).replace(/[-T]/g, '/')}/immutrail-live-${String(++this.seq).padStart(6, '0')}`;
    await this.s3.send(new PutObjectCommand({ Bucket: this.opts.stagingBucket, Key: key, Body: body }));
    await this.notices?.add(this.opts.stagingBucket, key, body.length);
    this.counts.objects++;
    this.lines = [];
    this.bytes = 0;
  }
}
