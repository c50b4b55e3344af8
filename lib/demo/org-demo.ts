/**
 * What `demo --accounts N` adds to the demo: the organization's log-archive
 * account holds the trail bucket (an AssumeRole session on the emulator),
 * every log file is re-homed to an account of the organization, member
 * accounts' events reach the audit account's live lane only if the member
 * stack forwards them, and the summary is broken down by account.
 */
import { CreateBucketCommand, PutObjectCommand, S3Client, type BucketLocationConstraint } from '@aws-sdk/client-s3';
import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { AwsTarget } from '../aws/client-config';
import { routeMatches, type EventEnvelope } from '../contract/event-patterns';
import { forwardedEventSources } from '../construct/forwarded-sources';
import { EVENT_FAMILIES } from '../contract/shards';
import type { JsonObject } from '../core/json';
import { accountSession } from '../local/account-session';
import type { ShardSummary } from '../verify/verify-archive';
import { type TrailLogFile } from './demo-events';
import { AccountMap, accountShard, demoOrganization, LOG_ARCHIVE_ACCOUNT, organizationEnvelope, organizationLogFile, type DemoOrganization, type OrgAccount } from './organization';

export interface AccountSummary extends OrgAccount {
  /** Records in the account's own chain. */
  records: number;
  /** Events the live lane carried (the audit account's own capture, or what the member stack forwarded). */
  liveEvents: number;
  /** Member events the member stack does not forward: they come by the trail lane only. */
  notForwarded: number;
  trailFiles: number;
  trailRecords: number;
  alerts: number;
}

type Tally = Omit<AccountSummary, keyof OrgAccount | 'records' | 'alerts'>;

/** S3's event notification for a new object, as S3 sends it to a queue (keys URL-encoded, spaces as +). */
export function s3NotificationBody(bucket: string, key: string, size: number, time = new Date()): string {
  const encoded = encodeURIComponent(key).replace(/%2F/g, '/').replace(/%20/g, '+');
  return JSON.stringify({
    Records: [
      {
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        awsRegion: 'us-east-1',
        eventTime: time.toISOString(),
        eventName: 'ObjectCreated:Put',
        s3: { s3SchemaVersion: '1.0', bucket: { name: bucket, arn: `arn:aws:s3:::${bucket}` }, object: { key: encoded, size } },
      },
    ],
  });
}

/**
 * What the member stack forwards (its rules are memberForwardPatterns, built
 * with routePattern): state changes, and the write calls of the forwarded
 * services. routeMatches has routePattern's semantics.
 */
export function memberForwarder(apiCallSources: readonly string[] = forwardedEventSources()): (envelope: EventEnvelope) => boolean {
  const capture = { captureReadOnlyApiCalls: false, apiCallSources };
  return (envelope) => EVENT_FAMILIES.some((family) => routeMatches(envelope, { shard: family, family }, capture));
}

export class OrgDemo {
  readonly org: DemoOrganization;
  private readonly accounts: AccountMap;
  private readonly tally = new Map<string, Tally>();
  private trailS3: S3Client | null = null;

  constructor(
    count: number,
    /** The member stack's forwarding rules, as a predicate on an EventBridge envelope. */
    private readonly forwardedByMember: (envelope: JsonObject) => boolean = memberForwarder(),
  ) {
    this.org = demoOrganization(count);
    this.accounts = new AccountMap(this.org);
    for (const a of this.org.accounts) this.tally.set(a.id, { liveEvents: 0, notForwarded: 0, trailFiles: 0, trailRecords: 0 });
  }

  /** Creates the trail bucket as the log-archive account (the stack in the audit account only reads it). */
  async createTrailBucket(target: AwsTarget, bucket: string): Promise<void> {
    this.trailS3 = new S3Client(await accountSession(target, LOG_ARCHIVE_ACCOUNT));
    await this.trailS3.send(
      new CreateBucketCommand({
        Bucket: bucket,
        ...(target.region === 'us-east-1' ? {} : { CreateBucketConfiguration: { LocationConstraint: target.region as BucketLocationConstraint } }),
      }),
    );
  }

  /** The story's log file as the organization trail writes it. */
  logFile(file: TrailLogFile): { key: string; body: Buffer; records: JsonObject[]; account: string } {
    return organizationLogFile(file, this.org, (source) => this.accounts.of(source));
  }

  /** A generated (scale) log file: file i belongs to account i mod N. */
  scaleFile(file: { key: string; records: JsonObject[] }, index: number): { key: string; body: Buffer; records: JsonObject[]; account: string } {
    const account = this.org.accounts[index % this.org.accounts.length].id;
    return organizationLogFile(file, this.org, () => account);
  }

  stateChange(envelope: JsonObject): JsonObject {
    return organizationEnvelope(envelope, this.accounts);
  }

  /**
   * Whether the event reaches the audit account's live lane: the audit
   * account's own events go straight to its capture rules; a member's only if
   * its member stack forwards them (the forwarded set is small on purpose).
   */
  reachesLiveLane(envelope: JsonObject): boolean {
    const account = String(envelope.account);
    const t = this.tally.get(account);
    const audit = this.org.accounts[0].id;
    if (account !== audit && !this.forwardedByMember(envelope)) {
      if (t) t.notForwarded++;
      return false;
    }
    if (t) t.liveEvents++;
    return true;
  }

  /** Puts a log file into the log-archive account's bucket and announces it to the audit queue, as its S3 notification would. */
  async deliverLogFile(sqs: SQSClient, queueUrl: string, bucket: string, file: { key: string; body: Buffer; records: JsonObject[]; account: string }): Promise<void> {
    if (!this.trailS3) throw new Error('createTrailBucket first');
    await this.trailS3.send(new PutObjectCommand({ Bucket: bucket, Key: file.key, Body: file.body }));
    const t = this.tally.get(file.account);
    if (t) {
      t.trailFiles++;
      t.trailRecords += file.records.length;
    }
    const out = await sqs.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: [{ Id: '0', MessageBody: s3NotificationBody(bucket, file.key, file.body.length) }] }));
    if (out.Failed?.length) throw new Error(`announcing ${file.key} failed: ${out.Failed[0].Message}`);
  }

  summary(shards: readonly ShardSummary[], alerts: readonly { account?: string | null }[]): AccountSummary[] {
    return this.org.accounts.map((a) => ({
      ...a,
      records: shards.find((s) => s.shard === accountShard(a.id))?.records ?? 0,
      ...this.tally.get(a.id)!,
      alerts: alerts.filter((x) => x.account === a.id).length,
    }));
  }
}
