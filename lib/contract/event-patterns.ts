/**
 * What each event family captures, as EventBridge patterns, plus a matcher with
 * the same semantics for code that must apply "the same filter the rules use"
 * outside EventBridge (the reconcile Lambda deciding whether a trail log record
 * should have been captured, and into which shard it belongs).
 *
 * CDK-free: Lambdas import this module.
 */
import { AuditTrailConfigError } from './errors';
import type { EventFamily, ShardRoute } from './shards';

export const API_CALL_DETAIL_TYPE = 'AWS API Call via CloudTrail';
/** Console sign-ins are a separate detail-type; root/console-without-MFA questions need them. */
export const CONSOLE_SIGN_IN_DETAIL_TYPE = 'AWS Console Sign In via CloudTrail';

export interface FamilyEvents {
  /** EventBridge `source` values; absent for CloudTrail-delivered calls, whose source is the calling service. */
  readonly sources?: readonly string[];
  readonly detailTypes: readonly string[];
}

export const FAMILY_EVENTS: Readonly<Record<EventFamily, FamilyEvents>> = {
  api: { detailTypes: [API_CALL_DETAIL_TYPE, CONSOLE_SIGN_IN_DETAIL_TYPE] },
  ec2: { sources: ['aws.ec2'], detailTypes: ['EC2 Instance State-change Notification'] },
  ecs: {
    sources: ['aws.ecs'],
    detailTypes: ['ECS Task State Change', 'ECS Container Instance State Change', 'ECS Deployment State Change'],
  },
  autoscaling: {
    sources: ['aws.autoscaling'],
    detailTypes: ['EC2 Instance Launch Successful', 'EC2 Instance Terminate Successful'],
  },
  ecr: { sources: ['aws.ecr'], detailTypes: ['ECR Image Action'] },
  // The stack-level drift detection event; the EventBridge reference for aws.cloudformation lists it under this name.
  drift: { sources: ['aws.cloudformation'], detailTypes: ['CloudFormation Drift Detection Status Change'] },
};

export interface CaptureOptions {
  /** Also capture read-only (Get/Describe/List...) API calls. */
  readonly captureReadOnlyApiCalls: boolean;
  /** Only API calls whose detail.eventSource is one of these (e.g. "ec2.amazonaws.com"); absent = all. */
  readonly apiCallSources?: readonly string[];
}

/** An EventBridge event pattern in its JSON (CloudFormation) form. */
export interface RulePattern {
  readonly source?: string[];
  readonly 'detail-type': string[];
  readonly account?: Array<string | { 'anything-but': string[] }>;
  readonly detail?: Record<string, unknown>;
}

export type RuleState = 'ENABLED' | 'ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS';

const EVENT_SOURCE_PATTERN = /^[a-z0-9][a-z0-9.-]*\.amazonaws\.com$/;

export function validateApiCallSources(sources: readonly string[] | undefined): void {
  if (sources === undefined) return;
  if (sources.length === 0) {
    throw new AuditTrailConfigError('INVALID_EVENT_SOURCE', 'apiCallSources is empty; omit it to capture every service');
  }
  for (const s of sources) {
    if (!EVENT_SOURCE_PATTERN.test(s)) {
      throw new AuditTrailConfigError('INVALID_EVENT_SOURCE', `"${s}" is not a CloudTrail eventSource (expected e.g. "ec2.amazonaws.com")`);
    }
  }
}

/**
 * CloudTrail's detail.readOnly is a boolean, but some write events (and some
 * service-specific ones) carry no readOnly field at all. `readOnly: [false]`
 * alone would silently drop those, so a write-only rule matches
 * "readOnly is false OR readOnly is absent"; read-only calls (readOnly: true)
 * are the only ones left out. `$or` is used instead of mixing a value and
 * {exists:false} in one array because `$or` is the documented combination.
 */
const WRITE_CALLS_ONLY = { $or: [{ readOnly: [false] }, { readOnly: [{ exists: false }] }] };

export function routePattern(route: ShardRoute, capture: CaptureOptions): RulePattern {
  const fam = FAMILY_EVENTS[route.family];
  const detail: Record<string, unknown> = {};
  if (route.family === 'api') {
    if (capture.apiCallSources) detail.eventSource = [...capture.apiCallSources];
    if (!capture.captureReadOnlyApiCalls) Object.assign(detail, WRITE_CALLS_ONLY);
  }
  const account = route.accounts ? [...route.accounts] : route.excludeAccounts ? [{ 'anything-but': [...route.excludeAccounts] }] : undefined;
  return {
    ...(fam.sources ? { source: [...fam.sources] } : {}),
    'detail-type': [...fam.detailTypes],
    ...(account ? { account } : {}),
    ...(Object.keys(detail).length > 0 ? { detail } : {}),
  };
}

/**
 * A plain ENABLED rule on the default bus never sees read-only management
 * events (Get/Describe/List...) delivered through CloudTrail; receiving them
 * needs this explicit state.
 */
export function ruleState(route: ShardRoute, capture: CaptureOptions): RuleState {
  return route.family === 'api' && capture.captureReadOnlyApiCalls ? 'ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS' : 'ENABLED';
}

/** The envelope fields the patterns look at; EventBridge events have them, a trail log record can be wrapped into one. */
export interface EventEnvelope {
  readonly source?: unknown;
  readonly 'detail-type'?: unknown;
  readonly account?: unknown;
  readonly detail?: unknown;
}

function field(obj: unknown, key: string): unknown {
  return typeof obj === 'object' && obj !== null ? (obj as Record<string, unknown>)[key] : undefined;
}

/** True when `event` is one the rule for `route` delivers (same semantics as routePattern). */
export function routeMatches(event: EventEnvelope, route: ShardRoute, capture: CaptureOptions): boolean {
  const fam = FAMILY_EVENTS[route.family];
  const detailType = event['detail-type'];
  if (typeof detailType !== 'string' || !fam.detailTypes.includes(detailType)) return false;
  if (fam.sources && (typeof event.source !== 'string' || !fam.sources.includes(event.source))) return false;
  const account = typeof event.account === 'string' ? event.account : undefined;
  if (route.accounts && (account === undefined || !route.accounts.includes(account))) return false;
  if (route.excludeAccounts && (account === undefined || route.excludeAccounts.includes(account))) return false;
  if (route.family === 'api') {
    const eventSource = field(event.detail, 'eventSource');
    if (capture.apiCallSources && (typeof eventSource !== 'string' || !capture.apiCallSources.includes(eventSource))) {
      return false;
    }
    if (!capture.captureReadOnlyApiCalls) {
      const readOnly = field(event.detail, 'readOnly');
      if (!(readOnly === false || readOnly === undefined)) return false;
    }
  }
  return true;
}

/** The shard whose rule delivers `event`, or undefined when the stack is not configured to capture it. */
export function shardForEvent(event: EventEnvelope, plan: readonly ShardRoute[], capture: CaptureOptions): string | undefined {
  return plan.find((route) => routeMatches(event, route, capture))?.shard;
}
