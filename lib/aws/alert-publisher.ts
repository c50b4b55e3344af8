import { createHash } from 'node:crypto';
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { Alert } from '../core/alert';
import { alertFingerprint, buildAlertMessage } from '../core/detect/alert-message';
import { SuppressionWindow, type SuppressionStore } from '../core/detect/suppression';

export type PublishOutcome =
  | { alertId: string; status: 'sent'; messageId: string | null; suppressedRepeats: number }
  | { alertId: string; status: 'suppressed'; suppressedSoFar: number };

export interface AlertPublisherOptions {
  sns: SNSClient;
  topicArn: string;
  /** Without a store nothing is suppressed. */
  suppression?: { window: SuppressionWindow; store: SuppressionStore };
  now?: () => Date;
}

/**
 * Publishes alerts (already archived as records) to the alert topic.
 *
 * Suppression state is written only after SNS accepted the message, so a
 * failed publish is retried rather than counted as sent: two invocations
 * racing on one fingerprint can both send, but a repeat is never lost.
 */
export class AlertPublisher {
  private readonly now: () => Date;

  constructor(private readonly opts: AlertPublisherOptions) {
    this.now = opts.now ?? (() => new Date());
  }

  async publish(alert: Alert): Promise<PublishOutcome> {
    const supp = this.opts.suppression;
    let suppressedRepeats = 0;
    let commit: (() => Promise<void>) | null = null;
    if (supp) {
      const fp = alertFingerprint(alert);
      const decision = supp.window.decide(await supp.store.get(fp), this.now());
      if (!decision.send) {
        await supp.store.put(fp, decision.next);
        return { alertId: alert.id, status: 'suppressed', suppressedSoFar: decision.next.suppressed };
      }
      suppressedRepeats = decision.suppressedBefore;
      commit = () => supp.store.put(fp, decision.next);
    }
    const msg = buildAlertMessage(alert, { suppressedRepeats });
    const fifo = this.opts.topicArn.endsWith('.fifo');
    const out = await this.opts.sns.send(
      new PublishCommand({
        TopicArn: this.opts.topicArn,
        Subject: msg.subject,
        Message: msg.message,
        MessageAttributes: msg.attributes,
        // FIFO topics need a group and dedup id; the alert id is stable across retries.
        ...(fifo
          ? {
              MessageGroupId: alert.kind,
              MessageDeduplicationId: createHash('sha256').update(alert.id).digest('hex'),
            }
          : {}),
      }),
    );
    if (commit) await commit();
    return { alertId: alert.id, status: 'sent', messageId: out.MessageId ?? null, suppressedRepeats };
  }

  /** In order, one at a time, so repeats within one batch are suppressed against each other. */
  async publishAll(alerts: readonly Alert[]): Promise<PublishOutcome[]> {
    const out: PublishOutcome[] = [];
    for (const a of alerts) out.push(await this.publish(a));
    return out;
  }
}
