import type { JsonObject } from '../core/json';
import { isCapturedApiCall } from '../core/normalize';
import { API_CALL_DETAIL_TYPE, CONSOLE_SIGN_IN_DETAIL_TYPE, shardForEvent, type EventEnvelope } from '../contract/event-patterns';
import type { ShardRoute } from '../contract/shards';

/** Decides for one trail log record whether the stack captures it, and into which shard: null = not captured. */
export type CaptureRouter = (record: JsonObject) => string | null;

export const DEFAULT_API_SHARD = 'api';

export interface CaptureSettings {
  captureReadOnly: boolean;
  /** The stack's shard plan (ENV.shardPlan); without it every captured call goes to `shard`. */
  plan?: readonly ShardRoute[];
  /** Only calls from these eventSources (ENV.apiCallSources); absent = every service. */
  apiCallSources?: readonly string[];
  /** Shard for captured calls when there is no plan. @default 'api' */
  shard?: string;
}

// What EventBridge calls each CloudTrail eventType; only the first two reach the API-call rules.
const DETAIL_TYPES: Readonly<Record<string, string>> = {
  AwsApiCall: API_CALL_DETAIL_TYPE,
  AwsConsoleSignIn: CONSOLE_SIGN_IN_DETAIL_TYPE,
  AwsConsoleAction: 'AWS Console Action via CloudTrail',
  AwsServiceEvent: 'AWS Service Event via CloudTrail',
};

/** The envelope EventBridge would have put around a trail log record, as far as the rule patterns look. */
export function envelopeOf(record: JsonObject): EventEnvelope {
  const type = typeof record.eventType === 'string' ? record.eventType : 'AwsApiCall';
  const source = typeof record.eventSource === 'string' ? `aws.${record.eventSource.replace(/\.amazonaws\.com$/, '')}` : undefined;
  const identity = record.userIdentity;
  const account =
    typeof record.recipientAccountId === 'string'
      ? record.recipientAccountId
      : typeof identity === 'object' && identity !== null && !Array.isArray(identity) && typeof identity.accountId === 'string'
        ? identity.accountId
        : undefined;
  return { source, 'detail-type': DETAIL_TYPES[type] ?? `${type} via CloudTrail`, account, detail: record };
}

/**
 * The same filter the EventBridge rules apply: isCapturedApiCall (write calls,
 * and read-only calls only when the stack captures them), then the shard plan's
 * routes (event sources, account splits) when there is a plan.
 */
export function captureRouter(s: CaptureSettings): CaptureRouter {
  const capture = { captureReadOnlyApiCalls: s.captureReadOnly, ...(s.apiCallSources ? { apiCallSources: s.apiCallSources } : {}) };
  const fallback = s.shard ?? DEFAULT_API_SHARD;
  return (record) => {
    if (!isCapturedApiCall(record, { captureReadOnly: s.captureReadOnly })) return null;
    if (s.plan) return shardForEvent(envelopeOf(record), s.plan, capture) ?? null;
    if (s.apiCallSources && (typeof record.eventSource !== 'string' || !s.apiCallSources.includes(record.eventSource))) return null;
    return fallback;
  };
}

/**
 * The shard that takes API calls of `account`: where the coverage record and
 * the reconcile alerts of that account's log files go, so that with one chain
 * per account (perAccount shards) each account's chain also says what its
 * trail files held. Falls back to apiShardOf for an account no route names.
 */
export function apiShardForAccount(plan: readonly ShardRoute[] | undefined, account: string): string {
  const api = (plan ?? []).filter((r) => r.family === 'api');
  const own = api.find((r) => r.accounts?.includes(account)) ?? api.find((r) => !r.accounts && !r.excludeAccounts?.includes(account));
  return own?.shard ?? apiShardOf(plan);
}

/** The shard that takes API calls from every account: where coverage records and reconcile alerts go. */
export function apiShardOf(plan: readonly ShardRoute[] | undefined): string {
  const api = (plan ?? []).filter((r) => r.family === 'api');
  return (api.find((r) => !r.accounts) ?? api[0])?.shard ?? DEFAULT_API_SHARD;
}
