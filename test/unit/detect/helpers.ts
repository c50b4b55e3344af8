import { noActor } from '../../../lib/core/normalize/actor';
import { generateKeyPairSync, sign as cryptoSign, constants } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Alert } from '../../../lib/core/alert';
import { attestationStatement, type TrustedKey } from '../../../lib/core/attestation';
import { defaultDetectionConfig, type DetectionConfig } from '../../../lib/core/detect/config';
import type { AttestationLookup, DetectionContext, EventRecord } from '../../../lib/core/detect/types';
import type { JsonObject, JsonValue } from '../../../lib/core/json';
import type { Actor, NormalizedEvent } from '../../../lib/core/normalized';
import type { AttestationData, AttestationSubjectType } from '../../../lib/core/record';

/**
 * Test helpers for the detectors. The real normalizer lives elsewhere and is
 * not what these tests are about, so NormalizedEvent values are derived here
 * from the raw event with just the fields detectors read.
 */

const FIXTURES = join(__dirname, 'fixtures');

/** A corpus event copied into fixtures/ (see fixtures/PROVENANCE.md), e.g. "cloudtrail/stratus-red-team-118-StopLogging.json". */
export function fixture(name: string): JsonObject {
  return JSON.parse(readFileSync(join(FIXTURES, name), 'utf8')) as JsonObject;
}

const obj = (v: JsonValue | undefined): JsonObject => (typeof v === 'object' && v !== null && !Array.isArray(v) ? v : {});
const str = (v: JsonValue | undefined): string | null => (typeof v === 'string' && v !== '' ? v : null);

export function actorOf(ct: JsonObject): Actor {
  const ui = obj(ct.userIdentity);
  const session = obj(ui.sessionContext);
  const issuer = obj(session.sessionIssuer);
  const attrs = obj(session.attributes);
  const arn = str(ui.arn);
  const assumed = arn ? /:assumed-role\/[^/]+\/(.+)$/.exec(arn) : null;
  const mfa = attrs.mfaAuthenticated;
  return {
    type: str(ui.type),
    arn,
    principalId: str(ui.principalId),
    accountId: str(ui.accountId),
    userName: str(ui.userName),
    sessionName: assumed ? assumed[1]! : null,
    sessionIssuerArn: str(issuer.arn),
    sourceIdentity: str(ui.sourceIdentity),
    invokedBy: str(ui.invokedBy),
    accessKeyId: str(ui.accessKeyId),
    sourceIp: str(ct.sourceIPAddress),
    userAgent: str(ct.userAgent),
    console: ct.sessionCredentialFromConsole === 'true' || ct.eventName === 'ConsoleLogin',
    mfa: mfa === 'true' ? true : mfa === 'false' ? false : null,
  };
}

export const NO_ACTOR: Actor = noActor();

/** A NormalizedEvent good enough for detector tests: CloudTrail records (bare or in EventBridge) and other EventBridge events. */
export function normalizeForTest(raw: JsonObject): NormalizedEvent {
  const envelope = typeof raw['detail-type'] === 'string' ? raw : null;
  const detail = envelope ? obj(envelope.detail) : null;
  const ct = envelope ? (typeof detail?.eventName === 'string' ? detail : null) : raw;
  if (ct) {
    return {
      eventId: str(ct.eventID) ?? str(envelope?.id) ?? 'no-event-id',
      eventTime: str(ct.eventTime) ?? '1970-01-01T00:00:00Z',
      // As the normalizer does: the envelope says whose event it is when the record does not.
      account: str(ct.recipientAccountId) ?? str(envelope?.account),
      region: str(ct.awsRegion),
      service: (str(ct.eventSource) ?? 'unknown').replace(/\.amazonaws\.com$/, ''),
      action: str(ct.eventName) ?? 'unknown',
      category: 'api-call',
      readOnly: typeof ct.readOnly === 'boolean' ? ct.readOnly : null,
      errorCode: str(ct.errorCode),
      errorMessage: str(ct.errorMessage),
      actor: actorOf(ct),
      resources: [],
      state: null,
      tags: {},
    };
  }
  return {
    eventId: str(envelope!.id) ?? 'no-event-id',
    eventTime: str(envelope!.time) ?? '1970-01-01T00:00:00Z',
    account: str(envelope!.account),
    region: str(envelope!.region),
    service: (str(envelope!.source) ?? 'unknown').replace(/^aws\./, ''),
    action: str(envelope!['detail-type']) ?? 'unknown',
    category: 'state-change',
    readOnly: null,
    errorCode: null,
    errorMessage: null,
    actor: NO_ACTOR,
    resources: [],
    state: str(detail?.lastStatus) ?? null,
    tags: {},
  };
}

let seqCounter = 0;

/** A committed event record around a raw event; `event` overrides normalized fields. */
export function eventRecord(raw: JsonObject, opts: { shard?: string; seq?: number; event?: Partial<NormalizedEvent> } = {}): EventRecord {
  const event = { ...normalizeForTest(raw), ...opts.event };
  const seq = opts.seq ?? ++seqCounter;
  return {
    chain: {
      v: 1,
      shard: opts.shard ?? 'main',
      seq,
      prev: 'ab'.repeat(32),
      kind: 'event',
      id: `event:${event.eventId}`,
      time: '2024-08-01T13:52:05.000Z',
    },
    data: { event, raw, via: { channel: typeof raw['detail-type'] === 'string' ? 'eventbridge' : 'trail-log', logFile: null } },
  };
}

/** A synthetic CloudTrail record; anything not given gets a plausible value. */
export function ct(fields: JsonObject & { eventSource: string; eventName: string }): JsonObject {
  return {
    eventVersion: '1.09',
    userIdentity: {
      type: 'AssumedRole',
      principalId: 'AROAEXAMPLE:alice',
      arn: 'arn:aws:sts::111122223333:assumed-role/Admin/alice',
      accountId: '111122223333',
      accessKeyId: 'ASIAEXAMPLE',
      sessionContext: {
        sessionIssuer: {
          type: 'Role',
          principalId: 'AROAEXAMPLE',
          arn: 'arn:aws:iam::111122223333:role/Admin',
          accountId: '111122223333',
          userName: 'Admin',
        },
        attributes: { creationDate: '2024-08-01T12:00:00Z', mfaAuthenticated: 'false' },
      },
    },
    eventTime: '2024-08-01T13:52:02Z',
    awsRegion: 'us-east-1',
    sourceIPAddress: '203.0.113.7',
    userAgent: 'aws-cli/2.15.0',
    requestParameters: null,
    responseElements: null,
    requestID: 'req-1',
    eventID: `evt-${fields.eventName}`,
    readOnly: false,
    eventType: 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: '111122223333',
    ...fields,
  };
}

/** userIdentity of an assumed-role session of `roleArn`. */
export function assumedRole(roleArn: string, session = 'session', extra: JsonObject = {}): JsonObject {
  const m = /^arn:aws:iam::(\d+):role\/(?:.*\/)?([^/]+)$/.exec(roleArn);
  if (!m) throw new Error(`not a role ARN: ${roleArn}`);
  return {
    type: 'AssumedRole',
    principalId: `AROAEXAMPLE:${session}`,
    arn: `arn:aws:sts::${m[1]}:assumed-role/${m[2]}/${session}`,
    accountId: m[1]!,
    sessionContext: {
      sessionIssuer: { type: 'Role', principalId: 'AROAEXAMPLE', arn: roleArn, accountId: m[1]!, userName: m[2]! },
      attributes: { creationDate: '2024-08-01T12:00:00Z', mfaAuthenticated: 'false' },
    },
    ...extra,
  };
}

export function registry(list: AttestationData[] = []): AttestationLookup & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    async find(subject) {
      calls.push(subject);
      return list.filter((a) => a.subject === subject);
    },
  };
}

export function context(
  opts: { config?: Partial<DetectionConfig>; attestations?: AttestationData[]; trustedKeys?: TrustedKey[] } & Partial<
    Omit<DetectionContext, 'config' | 'attestations' | 'trustedKeys'>
  > = {},
): DetectionContext {
  const { config, attestations, trustedKeys, ...rest } = opts;
  return {
    config: { ...defaultDetectionConfig(), ...config },
    attestations: registry(attestations),
    trustedKeys: trustedKeys ?? [],
    ...rest,
  };
}

export type KeyKind = 'ECDSA_SHA_256' | 'RSASSA_PSS_SHA_256' | 'RSASSA_PKCS1_V1_5_SHA_256';

/** A signing key standing in for a KMS key: signs attestation statements as KMS would (RAW message). */
export function signingKey(algorithm: KeyKind = 'ECDSA_SHA_256', keyId = `arn:aws:kms:us-east-1:111122223333:key/${crypto.randomUUID()}`) {
  const { privateKey, publicKey } =
    algorithm === 'ECDSA_SHA_256' ? generateKeyPairSync('ec', { namedCurve: 'prime256v1' }) : generateKeyPairSync('rsa', { modulusLength: 2048 });
  const trusted: TrustedKey = { keyName: keyId, publicKey };
  const attest = (subject: string, subjectType: AttestationSubjectType, fields: { signedAt?: string; signer?: string | null } = {}): AttestationData => {
    const statementFields = {
      subject,
      subjectType,
      signedAt: fields.signedAt ?? '2024-07-30T10:00:00.000Z',
      signer: fields.signer === undefined ? 'ci/build-pipeline' : fields.signer,
    };
    const message = attestationStatement(statementFields);
    const signature =
      algorithm === 'ECDSA_SHA_256'
        ? cryptoSign('sha256', message, { key: privateKey, dsaEncoding: 'der' })
        : algorithm === 'RSASSA_PSS_SHA_256'
          ? cryptoSign('sha256', message, { key: privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 })
          : cryptoSign('sha256', message, { key: privateKey, padding: constants.RSA_PKCS1_PADDING });
    return { ...statementFields, keyId, algorithm, signature: signature.toString('base64') };
  };
  return { keyId, trusted, attest, privateKey };
}

/** A complete alert for message and publisher tests. */
export function sampleAlert(over: Partial<Alert> = {}): Alert {
  return {
    id: 'tampering.trail:4f1c',
    kind: 'auditor-tampering',
    rule: 'tampering.trail',
    severity: 'critical',
    summary: "Auditor tampering: arn:aws:iam::143434273843:user/christophe called cloudtrail:StopLogging on the stack's trail main",
    principal: 'arn:aws:iam::143434273843:user/christophe',
    resource: 'main',
    account: '143434273843',
    eventTime: '2024-08-01T13:52:02Z',
    eventId: '4f1c',
    record: { shard: 'main', seq: 42 },
    details: { action: 'cloudtrail:StopLogging', succeeded: true },
    ...over,
  };
}
