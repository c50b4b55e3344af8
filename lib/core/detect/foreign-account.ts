import type { JsonObject } from '../json';
import type { Actor } from '../normalized';
import { alertFromFinding, type Finding } from './alert-factory';
import { apiCallKey, cloudTrailRecordOf, errorCodeOf } from './cloudtrail';
import { at, stringAt } from '../json-access';
import { ACCOUNT_PATTERN, type OrganizationConfig } from './config';
import { principalLabel } from './principals';
import { shareOf, type Share, type ShareTarget } from './shares';
import type { Detector, EventRecord } from './types';

/**
 * Foreign accounts: an account outside the organization touching a resource
 * of it. Two findings, both severity high (low, under `<rule>.attempt`, when
 * the call failed and so changed nothing):
 *
 * - `foreign-account.share`: a snapshot, AMI or RDS snapshot shared with an
 *   account outside the organization, with every account ("all"), or with an
 *   organization or OU other than the configured organizationId (see shares.ts);
 * - `foreign-account.caller`: a call made in an organization account by a
 *   principal of an account outside it (userIdentity type AWSAccount, a
 *   foreign IAM user assuming a role, a cross-account call through a resource
 *   policy). AWS services acting for someone (invokedBy) are not foreign.
 *
 * The organization is `organizationAccounts` when configured, otherwise the
 * accounts the stack is configured with (its own, the trail bucket's, the
 * shards' and the per-account overrides'); the account an event happened in
 * always belongs. With only the stack's accounts known, a share with another
 * member account raises an alert until organizationAccounts lists it.
 *
 * It supersedes the Sigma rules on sharing: it judges every event they match
 * knowing the organization, so a share inside the organization (a golden AMI
 * pipeline) raises nothing and one outside raises one alert, not two. Who
 * changed the attributes by hand stays the drift detector's question.
 */

/**
 * rules/immutrail: AMI shared cross-account, AMI made public, RDS snapshot
 * shared cross-account, RDS snapshot made public; rules/sigma: AWS Snapshot
 * Backup Exfiltration (any ModifySnapshotAttribute, removals included).
 */
export const SUPERSEDED_SIGMA_RULES: readonly string[] = [
  'abae8fec-57bd-4f87-aff6-6e3db989843d',
  '11853c7e-5a9c-44ba-bff7-3b8e119bcf6d',
  '451532db-5f0a-4ae2-95a3-035081ccd1a9',
  '8efdd6ea-33bb-4485-b14c-ad3675507ac3',
  '2f4c28b3-ec7b-408e-aa2a-5a3e59485f70',
];

interface Organization {
  has(account: string): boolean;
  /** True when organizationAccounts was configured, false when the stack's own accounts stood in for it. */
  known: boolean;
  id: string | null;
}

export function organizationFor(org: OrganizationConfig, eventAccount: string | null): Organization {
  const members = new Set(org.accounts ?? org.stackAccounts);
  if (eventAccount !== null) members.add(eventAccount);
  return { has: (a) => members.has(a), known: org.accounts !== null, id: org.id };
}

function isForeignTarget(t: ShareTarget, org: Organization): boolean {
  if (t.kind === 'account') return !org.has(t.account);
  if (t.kind === 'public') return true;
  return org.id === null || t.organizationId !== org.id;
}

function targetLabel(t: ShareTarget): string {
  if (t.kind === 'account') return t.account;
  if (t.kind === 'public') return 'every AWS account (public)';
  return t.arn;
}

function shareFinding(record: EventRecord, share: Share, foreign: ShareTarget[], org: Organization, errorCode: string | null): Finding {
  const { event } = record.data;
  const who = principalLabel(event.actor) ?? 'unknown principal';
  const owner = event.account ?? 'an unknown account';
  const what = `${share.resourceType.split('::').pop()} ${share.resource ?? '(unnamed)'}`;
  const to = foreign.map(targetLabel).join(', ');
  return {
    kind: 'foreign-account',
    rule: errorCode ? 'foreign-account.share.attempt' : 'foreign-account.share',
    severity: errorCode ? 'low' : 'high',
    summary: errorCode
      ? `Foreign account (failed: ${errorCode}): ${who} in ${owner} tried to share ${what} with ${to}, outside the organization`
      : `Foreign account: ${who} in ${owner} shared ${what} with ${to}, outside the organization`,
    resource: share.resource,
    details: {
      resourceType: share.resourceType,
      owner: event.account,
      foreignAccounts: foreign.flatMap((t) => (t.kind === 'account' ? [t.account] : [])),
      public: foreign.some((t) => t.kind === 'public'),
      organizations: foreign.flatMap((t) => (t.kind === 'organization' ? [t.arn] : [])),
      organizationKnown: org.known,
    },
  };
}

/** The account of the principal that made the call; null for AWS services and principals that name no account. */
export function callerAccountOf(actor: Actor): string | null {
  if (actor.type === 'AWSService' || actor.invokedBy !== null) return null;
  const issuerAccount = actor.sessionIssuerArn?.split(':')[4] ?? null;
  const account = actor.accountId ?? issuerAccount;
  return account !== null && ACCOUNT_PATTERN.test(account) ? account : null;
}

interface ForeignCall {
  key: string;
  caller: string;
  errorCode: string | null;
  /** The role an sts:AssumeRole asked for; null for other calls. */
  role: string | null;
}

function callerFinding(record: EventRecord, call: ForeignCall, org: Organization): Finding {
  const { event } = record.data;
  const { key, caller, errorCode, role } = call;
  const target = role ?? (event.resources[0] ? (event.resources[0].arn ?? event.resources[0].id) : null);
  const what = role ?? `${key}${target ? ` on ${target}` : ''}`;
  const [tried, did] = role ? ['assume', 'assumed'] : ['call', 'called'];
  const outside = `account ${caller}, outside the organization,`;
  return {
    kind: 'foreign-account',
    rule: errorCode ? 'foreign-account.caller.attempt' : 'foreign-account.caller',
    severity: errorCode ? 'low' : 'high',
    summary: errorCode
      ? `Foreign account (failed: ${errorCode}): ${outside} tried to ${tried} ${what} in ${event.account}`
      : `Foreign account: ${outside} ${did} ${what} in ${event.account}`,
    resource: target,
    details: { owner: event.account, callerAccount: caller, callerType: event.actor.type, organizationKnown: org.known },
  };
}

function findings(record: EventRecord, org: Organization): Finding[] {
  const { event, raw } = record.data;
  const ct = cloudTrailRecordOf(raw);
  if (!ct) return [];
  const key = apiCallKey(event, ct);
  const errorCode = errorCodeOf(event, ct);
  const out: Finding[] = [];
  const share = shareOf(key, ct);
  const foreign = share ? share.targets.filter((t) => isForeignTarget(t, org)) : [];
  if (share && foreign.length > 0) out.push(shareFinding(record, share, foreign, org, errorCode));
  const caller = callerAccountOf(event.actor);
  if (caller !== null && event.account !== null && !org.has(caller)) {
    const role = key === 'sts:AssumeRole' ? stringAt(ct, 'requestParameters', 'roleArn') : null;
    out.push(callerFinding(record, { key, caller, errorCode, role }, org));
  }
  const callDetails: JsonObject = {
    action: key,
    eventName: stringAt(ct, 'eventName'),
    succeeded: errorCode === null,
    errorCode,
    requestParameters: at(ct, 'requestParameters') ?? null,
  };
  return out.map((f) => ({ ...f, details: { ...f.details, ...callDetails } }));
}

export const foreignAccountDetector: Detector = {
  name: 'foreign-account',
  supersedes: SUPERSEDED_SIGMA_RULES,
  async detect(record, ctx) {
    const org = organizationFor(ctx.config.organization, record.data.event.account);
    return findings(record, org).map((f) => alertFromFinding(record, f));
  },
};
