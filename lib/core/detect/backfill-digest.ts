import type { Alert, AlertKind, Severity } from '../alert';
import { severityRank } from './alert-factory';
import { MAX_SUBJECT_CHARS, type StringAttribute } from './alert-message';
import { DIGEST_SAMPLE_LIMIT, type SuppressedSample } from './suppression-digest';

/**
 * Importing history (`immutrail backfill --publish-alerts`) can raise
 * hundreds of alerts at once; one SNS message each would bury the topic's
 * subscribers (issue 17). Instead the import publishes one digest per rule at
 * its end: how many, how bad at worst, in which accounts and days, and the
 * first DIGEST_SAMPLE_LIMIT alerts by id (every alert is in the chain).
 */

export const BACKFILL_DIGEST_VERSION = 1;

/** Every alert of one rule raised by one import. */
export interface BackfillDigest {
  rule: string;
  /** The kind of the rule's first alert (a rule raises one kind). */
  kind: AlertKind;
  /** The highest severity among them. */
  severity: Severity;
  count: number;
  /** Distinct accounts of the events, sorted (alerts about no account add none). */
  accounts: string[];
  /** Earliest and latest event time (ISO 8601). */
  firstEventTime: string;
  lastEventTime: string;
  /** The first DIGEST_SAMPLE_LIMIT alerts, in the order they were raised. */
  samples: SuppressedSample[];
}

export interface BackfillDigestBody extends Omit<BackfillDigest, 'samples'> {
  version: typeof BACKFILL_DIGEST_VERSION;
  type: 'backfill-digest';
  alerts: SuppressedSample[];
  /** Alerts counted but not listed (beyond DIGEST_SAMPLE_LIMIT). */
  notListed: number;
}

export interface BackfillDigestMessage {
  subject: string;
  message: string;
  /** The attributes an alert carries, plus `type`, so subscription filters route a digest like the alerts it counts. */
  attributes: { severity: StringAttribute; rule: StringAttribute; kind: StringAttribute; account: StringAttribute; type: StringAttribute };
}

/** Gathers an import's alerts by rule as they are raised; memory grows with rules and accounts, not with alerts. */
export class BackfillAlertTally {
  private readonly byRule = new Map<string, BackfillDigest & { accountSet: Set<string> }>();

  add(alert: Alert): void {
    const sample: SuppressedSample = { alertId: alert.id, eventId: alert.eventId, eventTime: alert.eventTime };
    const d = this.byRule.get(alert.rule);
    if (!d) {
      const accountSet = new Set(alert.account ? [alert.account] : []);
      this.byRule.set(alert.rule, {
        rule: alert.rule,
        kind: alert.kind,
        severity: alert.severity,
        count: 1,
        accounts: [],
        accountSet,
        firstEventTime: alert.eventTime,
        lastEventTime: alert.eventTime,
        samples: [sample],
      });
      return;
    }
    d.count++;
    if (severityRank(alert.severity) > severityRank(d.severity)) d.severity = alert.severity;
    if (alert.account) d.accountSet.add(alert.account);
    if (alert.eventTime < d.firstEventTime) d.firstEventTime = alert.eventTime;
    if (alert.eventTime > d.lastEventTime) d.lastEventTime = alert.eventTime;
    if (d.samples.length < DIGEST_SAMPLE_LIMIT) d.samples.push(sample);
  }

  /** One digest per rule, by rule id. */
  digests(): BackfillDigest[] {
    return [...this.byRule.values()]
      .map(({ accountSet, ...d }) => ({ ...d, accounts: [...accountSet].sort() }))
      .sort((x, y) => (x.rule < y.rule ? -1 : x.rule > y.rule ? 1 : 0));
  }
}

const clean = (s: string) => s.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ');

/**
 * "[immutrail] backfill: 3 auditor.tampering alerts in 847129010505 2024-07-31..2024-07-31".
 * Only the rule is cut when the line is too long (a Sigma UUID is 36 characters): the count, accounts and days always fit.
 */
export function backfillDigestSubject(d: BackfillDigest): string {
  const where = d.accounts.length === 0 ? '' : d.accounts.length === 1 ? ` in ${d.accounts[0]}` : ` in ${d.accounts.length} accounts`;
  const head = `[immutrail] backfill: ${d.count} `;
  const tail = ` alerts${where} ${d.firstEventTime.slice(0, 10)}..${d.lastEventTime.slice(0, 10)}`;
  const rule = [...clean(d.rule)];
  const room = MAX_SUBJECT_CHARS - [...head].length - [...clean(tail)].length;
  const shown = rule.length <= room ? rule.join('') : `${rule.slice(0, Math.max(0, room - 3)).join('')}...`;
  return clean(`${head}${shown}${tail}`);
}

const attr = (v: string): StringAttribute => ({ DataType: 'String', StringValue: v === '' ? '-' : v });

export function buildBackfillDigestMessage(d: BackfillDigest): BackfillDigestMessage {
  const alerts = d.samples.slice(0, DIGEST_SAMPLE_LIMIT);
  const body: BackfillDigestBody = {
    version: BACKFILL_DIGEST_VERSION,
    type: 'backfill-digest',
    rule: d.rule,
    kind: d.kind,
    severity: d.severity,
    count: d.count,
    accounts: d.accounts,
    firstEventTime: d.firstEventTime,
    lastEventTime: d.lastEventTime,
    alerts,
    notListed: Math.max(0, d.count - alerts.length),
  };
  return {
    subject: backfillDigestSubject(d),
    message: JSON.stringify(body),
    attributes: {
      severity: attr(d.severity),
      rule: attr(d.rule),
      kind: attr(d.kind),
      // A filter on one account matches a digest of that account only; a digest over several names them in the body.
      account: attr(d.accounts.length === 1 ? d.accounts[0] : ''),
      type: attr('backfill-digest'),
    },
  };
}
