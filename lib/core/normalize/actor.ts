import type { JsonObject } from '../json';
import type { Actor } from '../normalized';
import { booleanAt } from './fields';
import { objectAt, stringAt } from '../json-access';

/** The actor of an event that names none (EventBridge state changes). */
export function noActor(): Actor {
  return {
    type: null,
    arn: null,
    principalId: null,
    accountId: null,
    userName: null,
    sessionName: null,
    sessionIssuerArn: null,
    sourceIdentity: null,
    invokedBy: null,
    accessKeyId: null,
    sourceIp: null,
    userAgent: null,
    console: false,
    mfa: null,
  };
}

/** "arn:aws:sts::1:assumed-role/Role/session" -> "session"; falls back to the principal id "AROA...:session". */
function sessionNameOf(arn: string | null, principalId: string | null): string | null {
  if (arn !== null) {
    const i = arn.indexOf(':assumed-role/');
    if (i >= 0) {
      const slash = arn.lastIndexOf('/');
      if (slash > i + 14 && slash < arn.length - 1) return arn.slice(slash + 1);
    }
  }
  if (principalId !== null) {
    const colon = principalId.indexOf(':');
    if (colon >= 0 && colon < principalId.length - 1) return principalId.slice(colon + 1);
  }
  return null;
}

/** User agents the console's own frontends and backends send ("console.amazonaws.com", "[S3Console/0.4]", "AWS CloudWatch Console"). */
function isConsoleUserAgent(ua: string): boolean {
  return ua.startsWith('console.') || ua === 'signin.amazonaws.com' || ua.includes('Console');
}

function fromConsole(
  record: JsonObject,
  identity: JsonObject | null,
  attributes: JsonObject | null,
  extra: JsonObject | null,
  userAgent: string | null,
): boolean {
  if (booleanAt(record, 'sessionCredentialFromConsole') === true) return true;
  if (booleanAt(attributes, 'sessionCredentialFromConsole') === true) return true;
  if (record.eventType === 'AwsConsoleSignIn') return true;
  if (extra !== null && extra.LoginTo !== undefined) return true;
  if (stringAt(identity, 'invokedBy') === 'signin.amazonaws.com') return true;
  return userAgent !== null && isConsoleUserAgent(userAgent);
}

/** MFA: console sign-ins say additionalEventData.MFAUsed "Yes"/"No"; sessions say mfaAuthenticated "true"/"false". */
function mfaOf(attributes: JsonObject | null, extra: JsonObject | null): boolean | null {
  const used = extra === null ? undefined : extra.MFAUsed;
  if (used === 'Yes') return true;
  if (used === 'No') return false;
  return booleanAt(attributes, 'mfaAuthenticated');
}

/**
 * The principal behind a CloudTrail record, from userIdentity and the request context fields.
 * Records exported through Datadog's log pipeline (a backfill source) had sourceIPAddress and
 * userAgent moved to network.client.ip and http.useragent; those are read when the originals are gone.
 */
export function actorFromCloudTrail(record: JsonObject): Actor {
  const identity = objectAt(record, 'userIdentity');
  const session = objectAt(identity, 'sessionContext');
  const attributes = objectAt(session, 'attributes');
  const issuer = objectAt(session, 'sessionIssuer');
  const extra = objectAt(record, 'additionalEventData');
  const type = stringAt(identity, 'type');
  const arn = stringAt(identity, 'arn');
  const principalId = stringAt(identity, 'principalId');
  const userAgent = stringAt(record, 'userAgent') ?? stringAt(objectAt(record, 'http'), 'useragent');
  return {
    type,
    arn,
    principalId,
    accountId: stringAt(identity, 'accountId'),
    userName: stringAt(identity, 'userName'),
    sessionName: type === 'AssumedRole' ? sessionNameOf(arn, principalId) : null,
    sessionIssuerArn: stringAt(issuer, 'arn'),
    sourceIdentity: stringAt(session, 'sourceIdentity') ?? stringAt(identity, 'sourceIdentity'),
    invokedBy: stringAt(identity, 'invokedBy'),
    accessKeyId: stringAt(identity, 'accessKeyId'),
    sourceIp: stringAt(record, 'sourceIPAddress') ?? stringAt(objectAt(objectAt(record, 'network'), 'client'), 'ip'),
    userAgent,
    console: fromConsole(record, identity, attributes, extra, userAgent),
    mfa: mfaOf(attributes, extra),
  };
}
