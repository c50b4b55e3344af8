import { createHash } from 'node:crypto';
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { buildBackfillDigestMessage, type BackfillDigest } from '../core/detect/backfill-digest';

/**
 * Publishes a backfill's per-rule digests to the alert topic. Not through the
 * outbox: the alert records are already archived, and a digest that fails is
 * reported by the backfill (the import can be run again with the same result).
 */
export class BackfillDigestPublisher {
  constructor(
    private readonly sns: SNSClient,
    private readonly topicArn: string,
  ) {}

  async publishDigest(d: BackfillDigest): Promise<string | null> {
    const msg = buildBackfillDigestMessage(d);
    const out = await this.sns.send(
      new PublishCommand({
        TopicArn: this.topicArn,
        Subject: msg.subject,
        Message: msg.message,
        MessageAttributes: msg.attributes,
        ...this.fifoIds(d),
      }),
    );
    return out.MessageId ?? null;
  }

  /** FIFO topics need a group and a dedup id; the same import's digest is the same message, so a retry is dropped. */
  private fifoIds(d: BackfillDigest): { MessageGroupId?: string; MessageDeduplicationId?: string } {
    if (!this.topicArn.endsWith('.fifo')) return {};
    const of = `${d.rule}#${d.count}#${d.samples[0]?.alertId ?? ''}#${d.firstEventTime}#${d.lastEventTime}`;
    return { MessageGroupId: 'backfill-digest', MessageDeduplicationId: createHash('sha256').update(of).digest('hex') };
  }
}
