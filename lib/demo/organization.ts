/**
 * The demo's organization (`demo --accounts N`): an audit account where the
 * stack runs, a log-archive account that holds the organization trail's
 * bucket, and workload accounts. The demo's real log files come from many
 * public sources, each with its own account: every source account is re-homed
 * to one account of the organization (round robin, in order of appearance),
 * and its files are laid out as an organization trail writes them
 * (AWSLogs/<org-id>/<account>/CloudTrail/<region>/...). No AWS here.
 */
import { gzipSync } from 'node:zlib';
import { EVENT_FAMILIES, type ShardMap } from '../contract/shards';
import type { JsonObject } from '../core/json';
import type { TrailLogFile } from './demo-events';

export type AccountRole = 'audit' | 'log-archive' | 'workload';

export interface OrgAccount {
  id: string;
  role: AccountRole;
}

export interface DemoOrganization {
  id: string;
  accounts: OrgAccount[];
}

/** moto's default account: the stack is deployed there, as in the audit account. */
export const AUDIT_ACCOUNT = '123456789012';
export const LOG_ARCHIVE_ACCOUNT = '210987654321';
export const DEMO_ORG_ID = 'o-immutrail01';
export const MIN_ACCOUNTS = 2;
export const MAX_ACCOUNTS = 20;

/** Workload account k (k >= 1): 12 digits, distinct from the audit and log-archive accounts. */
const workloadAccount = (k: number): string => String(300000000000 + k * 11111111);

export function demoOrganization(count: number): DemoOrganization {
  if (!Number.isSafeInteger(count) || count < MIN_ACCOUNTS || count > MAX_ACCOUNTS) {
    throw new RangeError(`an organization of ${count} accounts: use ${MIN_ACCOUNTS} to ${MAX_ACCOUNTS}`);
  }
  const accounts: OrgAccount[] = [
    { id: AUDIT_ACCOUNT, role: 'audit' },
    { id: LOG_ARCHIVE_ACCOUNT, role: 'log-archive' },
  ];
  for (let k = 1; accounts.length < count; k++) accounts.push({ id: workloadAccount(k), role: 'workload' });
  return { id: DEMO_ORG_ID, accounts };
}

/** The prefix of the shards that hold one account each: shard `acct-<account>`. */
export const ACCOUNT_SHARD_PREFIX = 'acct';

/**
 * One chain per account of the organization (every event family of an account
 * in its own shard, so one busy account never contends with another for a
 * head), and a shard for anything from an account outside it.
 */
export function organizationShards(org: DemoOrganization): ShardMap {
  return {
    [ACCOUNT_SHARD_PREFIX]: { families: EVENT_FAMILIES, accounts: org.accounts.map((a) => a.id), perAccount: true },
    outside: { families: EVENT_FAMILIES },
  };
}

export const accountShard = (account: string): string => `${ACCOUNT_SHARD_PREFIX}-${account}`;

/** Maps each source account to an organization account, round robin in order of first appearance. */
export class AccountMap {
  private readonly map = new Map<string, string>();

  constructor(private readonly org: DemoOrganization) {}

  of(source: string): string {
    let to = this.map.get(source);
    if (to === undefined) {
      to = this.org.accounts[this.map.size % this.org.accounts.length].id;
      this.map.set(source, to);
    }
    return to;
  }
}

/** Every whole-word occurrence of `from` (a 12-digit account) in the JSON becomes `to`: ARNs, ids, the recipient. */
export function rehome<T extends JsonObject>(value: T, from: string, to: string): T {
  if (from === to) return value;
  return JSON.parse(JSON.stringify(value).replace(new RegExp(`(?<!\\d)${from}(?!\\d)`, 'g'), to)) as T;
}

export interface OrgLogFile {
  account: string;
  key: string;
  body: Buffer;
  records: JsonObject[];
}

const ACCOUNT_IN_KEY = /^AWSLogs\/(\d{12})\/CloudTrail\/([^/]+)\/(\d{4}\/\d{2}\/\d{2})\/\d{12}_(.+)$/;

/** A single-account log file as the organization trail writes it: its account re-homed, its key under the org id. */
export function organizationLogFile(file: TrailLogFile, org: DemoOrganization, accountOf: (source: string) => string): OrgLogFile {
  const m = ACCOUNT_IN_KEY.exec(file.key);
  if (!m) throw new Error(`log file key ${file.key} is not in CloudTrail's layout`);
  const [, source, region, day, rest] = m;
  const account = accountOf(source);
  const records = file.records.map((r) => rehome(r, source, account));
  const key = `AWSLogs/${org.id}/${account}/CloudTrail/${region}/${day}/${account}_${rest}`;
  return { account, key, body: gzipSync(JSON.stringify({ Records: records })), records };
}

/** State-change envelopes (EventBridge's `account` field) re-homed the same way. */
export function organizationEnvelope(envelope: JsonObject, accounts: AccountMap): JsonObject {
  const source = String(envelope.account);
  return /^\d{12}$/.test(source) ? rehome(envelope, source, accounts.of(source)) : envelope;
}
