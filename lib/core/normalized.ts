import type { JsonValue } from './json';

/**
 * The principal behind an event. Every field is null when the source event
 * does not say, so queries never have to guess between "absent" and "false".
 */
export interface Actor {
  /** userIdentity.type: IAMUser, AssumedRole, Root, AWSService, AWSAccount, FederatedUser, IdentityCenterUser, ... */
  type: string | null;
  arn: string | null;
  principalId: string | null;
  accountId: string | null;
  userName: string | null;
  /** Role session name of an assumed role (the part after the role name in the ARN). */
  sessionName: string | null;
  /** ARN of the role (or user) that issued the session: the stable identity to match deployers on. */
  sessionIssuerArn: string | null;
  sourceIdentity: string | null;
  invokedBy: string | null;
  accessKeyId: string | null;
  sourceIp: string | null;
  userAgent: string | null;
  /** True when the call came from the AWS Management Console (sessionCredentialFromConsole, console sign-in, console user agent). */
  console: boolean;
  /** MFA used for the session; null when the event carries no MFA information. */
  mfa: boolean | null;
}

/** A resource touched by an event. `type` uses CloudFormation resource type names (AWS::EC2::Instance). */
export interface ResourceRef {
  type: string;
  /** The most specific stable identifier: instance id, AMI id, bucket name, image reference "repo@sha256:..." or "repo:tag". */
  id: string;
  arn: string | null;
}

export type EventCategory = 'api-call' | 'state-change' | 'other';

/** One captured event, whatever its kind, reduced to the fields auditors ask about. */
export interface NormalizedEvent {
  /** Stable id used for exactly-once: CloudTrail eventID for API calls (also inside EventBridge envelopes), else the envelope id. */
  eventId: string;
  /** When it happened, ISO 8601 UTC as the source gave it. */
  eventTime: string;
  account: string | null;
  region: string | null;
  /** Short service name: "ec2", "iam", "ecs" (from eventSource or EventBridge source). */
  service: string;
  /** eventName for API calls, detail-type for other EventBridge events. */
  action: string;
  category: EventCategory;
  /** CloudTrail readOnly flag; null when unknown. */
  readOnly: boolean | null;
  errorCode: string | null;
  errorMessage: string | null;
  actor: Actor;
  resources: ResourceRef[];
  /** New state for state-change events (EC2 "running", ECS lastStatus "RUNNING", drift "DRIFTED"); null otherwise. */
  state: string | null;
  /** Tags found on the event (request tag specifications, resource tags in the detail); used to scope "immutable" resources. */
  tags: Record<string, string>;
}

/** How an event reached the archive. */
export type Channel = 'eventbridge' | 'trail-log' | 'backfill';

export interface EventData {
  event: NormalizedEvent;
  /** The delivered event, untouched but for integers beyond 2^53, which are kept as decimal strings. */
  raw: JsonValue;
  via: { channel: Channel; logFile: string | null };
}
