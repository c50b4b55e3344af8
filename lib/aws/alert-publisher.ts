import type { SNSClient } from '@aws-sdk/client-sns';
import type { Alert } from '../core/alert';
import { alertFingerprint, buildAlertMessage, successFingerprint } from '../core/detect/alert-message';
import { publishToTopic } from './sns-publish';
import { SuppressionWindow, type SuppressionState, type SuppressionStore } from '../core/detect/suppression';
import { buildDigestMessage, heldBackRepeat, type HeldBackRepeat, type SuppressionDigest } from '../core/detect/suppression-digest';
import { ImmutrailError } from '../core/errors';

export type PublishOutcome =
  { alertId: string; status: 'sent'; messageId: string | null; suppressedRepeats: number } | { alertId: string; status: 'suppressed'; suppressedSoFar: number };

export interface AlertPublisherOptions {
  sns: SNSClient;
  topicArn: string;
  /** Without a store nothing is suppressed. */
  suppression?: { window: SuppressionWindow; store: SuppressionStore };
  now?: () => Date;
}

/** SNS refused an alert: the ones before it went out (and their suppression state was kept). */
export class AlertPublishError extends ImmutrailError {
  readonly code = 'ALERT_PUBLISH_FAILED';
  constructor(
    /** How many of the alerts, in order, were handled (sent or suppressed) before the failure. */
    readonly handled: number,
    cause: unknown,
  ) {
    super(`publishing alert ${handled + 1} failed: ${(cause as Error)?.message ?? String(cause)}`, { cause });
  }
}

/**
 * Publishes alerts (already archived as records) to the alert topic.
 *
 * The suppression state of every alert in a call is read in one request and
 * written in one, after SNS accepted the messages: a failed publish is retried
 * rather than counted as sent. Two invocations racing on one fingerprint can
 * both send, but a repeat is never lost.
 *
 * A failed call also marks the state of the same call's success (if one was
 * sent in the window), so a success after a failure is always sent.
 *
 * Each repeat held back is added to its window's digest (with the state
 * writes), which the seal's sweep publishes once the window has ended.
 */
export class AlertPublisher {
  private readonly now: () => Date;

  constructor(private readonly opts: AlertPublisherOptions) {
    this.now = opts.now ?? (() => new Date());
  }

  async publish(alert: Alert): Promise<PublishOutcome> {
    try {
      return (await this.publishAll([alert]))[0];
    } catch (err) {
      throw err instanceof AlertPublishError ? err.cause : err;
    }
  }

  /**
   * In order, so repeats within one call are suppressed against each other.
   * Throws AlertPublishError at the first alert SNS refuses, after keeping the
   * state of the ones handled before it.
   */
  async publishAll(alerts: readonly Alert[]): Promise<PublishOutcome[]> {
    const supp = this.opts.suppression;
    const fingerprints = alerts.map((a) => alertFingerprint(a));
    const successOf = alerts.map((a) => successFingerprint(a));
    const wanted = [...fingerprints, ...successOf.filter((fp): fp is string => fp !== null)];
    const states = supp && alerts.length > 0 ? await supp.store.getMany(wanted) : new Map<string, SuppressionState>();
    const changed = new Map<string, SuppressionState>();
    const heldBack: HeldBackRepeat[] = [];
    const keep = (fp: string, state: SuppressionState) => {
      states.set(fp, state);
      changed.set(fp, state);
    };
    const out: PublishOutcome[] = [];
    try {
      for (let i = 0; i < alerts.length; i++) {
        const alert = alerts[i];
        let suppressedRepeats = 0;
        let next: SuppressionState | null = null;
        if (supp) {
          const now = this.now();
          const success = successOf[i];
          const successState = success === null ? undefined : states.get(success);
          if (success !== null && successState) keep(success, { ...successState, failedAt: now.toISOString() });
          const decision = supp.window.decide(states.get(fingerprints[i]) ?? null, now, { severity: alert.severity });
          if (!decision.send) {
            keep(fingerprints[i], decision.next);
            heldBack.push(heldBackRepeat(fingerprints[i], decision.windowStart, supp.window.seconds, alert));
            out.push({ alertId: alert.id, status: 'suppressed', suppressedSoFar: decision.next.suppressed });
            continue;
          }
          suppressedRepeats = decision.suppressedBefore;
          next = decision.next;
        }
        let messageId: string | null;
        try {
          messageId = await this.send(alert, suppressedRepeats);
        } catch (err) {
          throw new AlertPublishError(i, err);
        }
        if (next) keep(fingerprints[i], next);
        out.push({ alertId: alert.id, status: 'sent', messageId, suppressedRepeats });
      }
    } catch (err) {
      // Keep what was decided before the failure; the publish error is the one to report.
      if (supp) await this.save(supp.store, changed, heldBack).catch(() => undefined);
      throw err;
    }
    if (supp) await this.save(supp.store, changed, heldBack);
    return out;
  }

  /** Publishes the digest of a suppression window that has ended (the sweep decides when). */
  async publishDigest(digest: SuppressionDigest): Promise<string | null> {
    // One digest per fingerprint and window: a resend after a crash is deduplicated by a FIFO topic.
    return publishToTopic(this.opts.sns, this.opts.topicArn, buildDigestMessage(digest), {
      group: 'digest',
      dedupOf: `${digest.fingerprint}#${digest.windowEnd}#${digest.suppressed}`,
    });
  }

  private async save(store: SuppressionStore, changed: Map<string, SuppressionState>, heldBack: HeldBackRepeat[]): Promise<void> {
    await Promise.all([changed.size > 0 ? store.putMany(changed) : undefined, heldBack.length > 0 ? store.holdBack(heldBack) : undefined]);
  }

  private async send(alert: Alert, suppressedRepeats: number): Promise<string | null> {
    // The alert id is stable across retries: a FIFO topic drops the resend.
    return publishToTopic(this.opts.sns, this.opts.topicArn, buildAlertMessage(alert, { suppressedRepeats }), { group: alert.kind, dedupOf: alert.id });
  }
}
