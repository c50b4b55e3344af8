import type { SNSClient } from '@aws-sdk/client-sns';
import { publishToTopic } from '../aws/sns-publish';
import type { Refusal } from './state-store';

/** What a person needs to act on a refusal: which log, which sizes, why, and which request. */
export interface RefusalReport extends Refusal {
  origin: string;
  witness: string;
  cosignedSize: number;
  requestOldSize: number;
  requestNewSize: number | null;
}

export type RefusalAlerter = (report: RefusalReport) => Promise<void>;

export function refusalMessage(r: RefusalReport): { subject: string; message: string } {
  const subject = `immutrail witness ${r.witness} refused ${r.code}`.slice(0, 99);
  const message = [
    `The witness ${r.witness} refused to cosign a checkpoint of ${r.origin} and will cosign nothing more for it until a person clears the refusal.`,
    `Reason: ${r.code}: ${r.message}`,
    `Last cosigned size: ${r.cosignedSize}. Request: old ${r.requestOldSize}, new ${r.requestNewSize ?? 'unreadable'}.`,
    `Request object: ${r.key}`,
    '',
    JSON.stringify(r),
  ].join('\n');
  return { subject, message };
}

export function snsRefusalAlerter(sns: SNSClient, topicArn: string): RefusalAlerter {
  return async (r) => {
    const { subject, message } = refusalMessage(r);
    await publishToTopic(
      sns,
      topicArn,
      { subject, message, attributes: { kind: { DataType: 'String', StringValue: 'witness-refusal' }, code: { DataType: 'String', StringValue: r.code } } },
      { group: r.origin, dedupOf: `${r.origin}\n${r.key}\n${r.code}` },
    );
  };
}
