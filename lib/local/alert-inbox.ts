import { type SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';

/**
 * Creates a standard queue subscribed to the alert topic: what an on-call
 * tool would receive, for the demo to read back. (moto does not enforce queue
 * policies, so none is put for SNS to deliver.)
 */
export async function subscribeAlertInbox(sns: SNSClient, sqs: SQSClient, input: { topicArn: string; queueName: string }): Promise<string> {
  const url = (await sqs.send(new CreateQueueCommand({ QueueName: input.queueName }))).QueueUrl!;
  const arn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
  await sns.send(new SubscribeCommand({ TopicArn: input.topicArn, Protocol: 'sqs', Endpoint: arn, Attributes: { RawMessageDelivery: 'false' } }));
  return url;
}
