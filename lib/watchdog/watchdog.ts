import type { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import type { Alert } from '../core/alert';
import type { AuditRecordOf, RecordDraft } from '../core/record';
import type { BatchAlerts } from '../core/alert';
import { alertRecordId, commitDrafts, type CommitDeps } from '../commit/commit';
import { runDeliveryCheck, type DeliveryCheck } from './delivery-check';
import { silenceFinding, type ShardActivity } from './silence';
import { fetchTrailFacts, trailFindings, type WatchdogFinding } from './trail-checks';

export const WATCHDOG_SHARD = 'watchdog';

export interface WatchdogDeps extends CommitDeps {
  /** The trail to watch (name or ARN); no trail checks without one. */
  trail?: { client: CloudTrailClient; name: string };
  activity: { activity(): Promise<ShardActivity[]> };
  /** Deliveries per account and region of the trail bucket; no such check without it. */
  deliveries?: DeliveryCheck;
  silenceMinutes: number;
  /** Publishes committed alerts from their batches' outbox items. */
  alerts: { deliver(batches: readonly BatchAlerts[]): Promise<void> };
  /** Shard the watchdog's alerts are chained in; its own commits never count as activity. @default 'watchdog' */
  shard?: string;
  onError?: (err: unknown) => void;
}

export interface WatchdogOutcome {
  findings: WatchdogFinding[];
  /** Alerts committed (and published) by this run; a finding already alerted this hour is not repeated. */
  alerts: Alert[];
  /** What the delivery check listed: accounts checked and S3 requests made; absent when it did not run, null when it could not list. */
  deliveries?: { accounts: number | null; requests: number | null };
}

/** The hour bucket in alert ids: a failure that persists is archived once an hour, not every run. */
const hourOf = (d: Date): string => d.toISOString().slice(0, 13);

export function watchdogAlert(f: WatchdogFinding, trailName: string | null, now: Date): Alert {
  // An account's delivery findings name the account: one alert per account, check and hour.
  const subject = f.check === 'silence' ? null : (f.resource ?? trailName);
  return {
    id: `${f.check === 'silence' ? 'silence' : `trail-health:${f.check}:${subject}`}:${hourOf(now)}`,
    kind: f.check === 'silence' ? 'silence' : 'trail-health',
    rule: `watchdog.${f.check}`,
    severity: f.severity,
    summary: f.summary,
    principal: null,
    resource: subject,
    // Delivery findings are about one account (details.account); the trail and silence checks about none.
    account: typeof f.details.account === 'string' ? f.details.account : null,
    eventTime: now.toISOString(),
    eventId: null,
    record: null,
    details: f.details,
  };
}

/**
 * One watchdog run: check the trail (if one is configured), the silence and
 * the deliveries per account and region (if the trail bucket is configured),
 * commit each finding as an alert record in the watchdog shard, then publish
 * the ones this run committed. Alert ids carry the check and the hour, so a
 * failure that lasts is re-archived hourly and the SNS suppression window
 * holds back repeats.
 */
export async function runWatchdog(deps: WatchdogDeps): Promise<WatchdogOutcome> {
  const now = (deps.clock ?? (() => new Date()))();
  const shard = deps.shard ?? WATCHDOG_SHARD;
  const findings: WatchdogFinding[] = [];
  if (deps.trail) findings.push(...trailFindings(await fetchTrailFacts(deps.trail.client, deps.trail.name)));
  const silence = silenceFinding(await deps.activity.activity(), now, deps.silenceMinutes, new Set([shard]));
  if (silence) findings.push(silence);
  const delivery = deps.deliveries ? await runDeliveryCheck(deps.deliveries, now) : null;
  if (delivery) findings.push(...delivery.findings);
  const deliveries = delivery?.ran ? { deliveries: { accounts: delivery.accounts, requests: delivery.requests } } : {};
  if (findings.length === 0) return { findings, alerts: [], ...deliveries };

  const drafts: RecordDraft[] = findings.map((f) => {
    const alert = watchdogAlert(f, deps.trail?.name ?? null, now);
    return { kind: 'alert', id: alertRecordId(alert), data: { alert } };
  });
  const out = await commitDrafts({ ...deps, detect: undefined }, shard, drafts);
  const alerts = out.committed.filter((r) => r.chain.kind === 'alert').map((r) => (r as AuditRecordOf<'alert'>).data.alert);
  if (out.alertBatches.length > 0) await deps.alerts.deliver(out.alertBatches).catch((err) => deps.onError?.(err));
  return { findings, alerts, ...deliveries };
}
