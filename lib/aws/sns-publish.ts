import { createHash } from 'node:crypto';
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { StringAttribute } from '../core/detect/alert-message';

/** What every immutrail message to the alert topic is: an alert, a suppression digest, a backfill digest. */
export interface TopicMessage {
  subject: string;
  message: string;
  attributes: Readonly<Record<string, StringAttribute>>;
}

/**
 * Publishes one message to the alert topic. A FIFO topic also needs a group
 * and a deduplication id: `dedupOf` names the message so that a resend after
 * a crash or a retry is dropped by the topic. Returns SNS's message id.
 */
export async function publishToTopic(sns: SNSClient, topicArn: string, msg: TopicMessage, fifo: { group: string; dedupOf: string }): Promise<string | null> {
  const out = await sns.send(
    new PublishCommand({
      TopicArn: topicArn,
      Subject: msg.subject,
      Message: msg.message,
      MessageAttributes: { ...msg.attributes },
      ...(topicArn.endsWith('.fifo') ? { MessageGroupId: fifo.group, MessageDeduplicationId: createHash('sha256').update(fifo.dedupOf).digest('hex') } : {}),
    }),
  );
  return out.MessageId ?? null;
}
