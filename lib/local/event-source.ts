import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { ChangeMessageVisibilityBatchCommand, DeleteMessageBatchCommand, ReceiveMessageCommand, type SQSClient, type Message } from '@aws-sdk/client-sqs';

function toRecord(m: Message, queueArn: string, region: string): SQSRecord {
  const a = m.Attributes ?? {};
  return {
    messageId: m.MessageId!,
    receiptHandle: m.ReceiptHandle!,
    body: m.Body ?? '',
    attributes: {
      ApproximateReceiveCount: a.ApproximateReceiveCount ?? '1',
      SentTimestamp: a.SentTimestamp ?? '0',
      SenderId: a.SenderId ?? '',
      ApproximateFirstReceiveTimestamp: a.ApproximateFirstReceiveTimestamp ?? '0',
      MessageGroupId: a.MessageGroupId,
      MessageDeduplicationId: a.MessageDeduplicationId,
      SequenceNumber: a.SequenceNumber,
    } as SQSRecord['attributes'],
    messageAttributes: {},
    md5OfBody: m.MD5OfBody ?? '',
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: region,
  };
}

export interface DrainResult {
  invocations: number;
  messages: number;
  failures: number;
}

/**
 * Does what Lambda's SQS event source mapping does, for an emulator without
 * Lambda: receive up to 10 messages, invoke the handler in-process with an
 * SQSEvent, delete what it did not report as failed. Failed messages become
 * visible again after the visibility timeout (and go to the DLQ after the
 * queue's maxReceiveCount), exactly as in the cloud.
 */
export async function drainQueue(
  sqs: SQSClient,
  queue: { url: string; arn: string; region: string },
  handler: (event: SQSEvent) => Promise<SQSBatchResponse>,
  opts: {
    idleRounds?: number;
    onBatch?: (r: DrainResult) => void;
    /**
     * Make failed messages visible again at once instead of after the queue's
     * visibility timeout: the emulator's clock does not wait half an hour. They
     * still count receives, so a message that keeps failing reaches the DLQ.
     */
    retryFailedAtOnce?: boolean;
  } = {},
): Promise<DrainResult> {
  const result: DrainResult = { invocations: 0, messages: 0, failures: 0 };
  let idle = 0;
  while (idle < (opts.idleRounds ?? 2)) {
    const out = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queue.url, MaxNumberOfMessages: 10, WaitTimeSeconds: 0, MessageSystemAttributeNames: ['All'] }),
    );
    const messages = out.Messages ?? [];
    if (messages.length === 0) {
      idle++;
      continue;
    }
    idle = 0;
    const response = await handler({ Records: messages.map((m) => toRecord(m, queue.arn, queue.region)) });
    const failed = new Set(response.batchItemFailures.map((f) => f.itemIdentifier));
    const done = messages.filter((m) => !failed.has(m.MessageId!));
    if (done.length > 0) {
      await sqs.send(new DeleteMessageBatchCommand({ QueueUrl: queue.url, Entries: done.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })) }));
    }
    const retry = messages.filter((m) => failed.has(m.MessageId!));
    if (opts.retryFailedAtOnce && retry.length > 0) {
      await sqs.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: queue.url,
          Entries: retry.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle!, VisibilityTimeout: 0 })),
        }),
      );
      idle = 0;
    }
    result.invocations++;
    result.messages += messages.length;
    result.failures += failed.size;
    opts.onBatch?.(result);
  }
  return result;
}
