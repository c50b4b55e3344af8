import { accountCoverageFindings, coverageUnknownFinding } from './account-coverage';
import type { DeliveriesReader } from './trail-deliveries';
import type { WatchdogFinding } from './trail-checks';

/** More accounts than this are reported (coverage-capped) rather than listed: it bounds a run's requests and time. */
export const DEFAULT_MAX_ACCOUNTS = 200;

/** The per-account delivery check as the watchdog runs it. */
export interface DeliveryCheck {
  reader: DeliveriesReader;
  /** Accounts that must deliver; others are checked once seen delivering. */
  expected: readonly string[];
  silenceHours: number;
  /** @default DEFAULT_MAX_ACCOUNTS */
  maxAccounts?: number;
  /** Whether this run checks (the Lambda: once an hour, deliveryCheckDue). @default every run */
  due?: (now: Date) => boolean;
}

export interface DeliveryCheckOutcome {
  /** False when the check was not due this run. */
  ran: boolean;
  findings: WatchdogFinding[];
  /** Accounts checked and S3 requests made; null when the check did not run or could not list. */
  accounts: number | null;
  requests: number | null;
}

/** Lists the trail bucket and turns what it shows into findings; a listing that fails is itself a finding. */
export async function runDeliveryCheck(c: DeliveryCheck, now: Date): Promise<DeliveryCheckOutcome> {
  if (c.due && !c.due(now)) return { ran: false, findings: [], accounts: null, requests: null };
  const maxAccounts = c.maxAccounts ?? DEFAULT_MAX_ACCOUNTS;
  try {
    const snapshot = await c.reader.snapshot({ now, silenceHours: c.silenceHours, expected: c.expected, maxAccounts });
    const findings = accountCoverageFindings(snapshot, { expected: c.expected, silenceHours: c.silenceHours, maxAccounts, now });
    return { ran: true, findings, accounts: snapshot.accounts.length, requests: snapshot.requests };
  } catch (err) {
    return { ran: true, findings: [coverageUnknownFinding(c.reader.bucket, err)], accounts: null, requests: null };
  }
}
