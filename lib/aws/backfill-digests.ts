import type { SNSClient } from '@aws-sdk/client-sns';
import { publishToTopic } from './sns-publish';
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
    // The same import's digest is the same message: a FIFO topic drops a retry.
    const dedupOf = `${d.rule}#${d.count}#${d.samples[0]?.alertId ?? ''}#${d.firstEventTime}#${d.lastEventTime}`;
    return publishToTopic(this.sns, this.topicArn, buildBackfillDigestMessage(d), { group: 'backfill-digest', dedupOf });
  }
}
