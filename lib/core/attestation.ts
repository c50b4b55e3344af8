import { verify as cryptoVerify, constants, type KeyObject } from 'node:crypto';
import type { AttestationData, AttestationSubjectType } from './record';
import { ImmutrailError } from './errors';
import type { TrustedKey } from './trusted-key';

/** Attestation keys are trusted keys named by their KMS key ARN (or key id), as configured in IMMUTRAIL_ATTESTATION_KEY_IDS. */
export type { TrustedKey } from './trusted-key';

/**
 * Attestations: a CI pipeline (`immutrail attest`) signs a statement that an
 * artifact (an image digest or an AMI id) was built by it, with a KMS
 * asymmetric key. Detectors accept a launch only when such a statement
 * verifies against a trusted public key: looking the attestation up is not
 * enough, its signature is checked here.
 *
 * The statement is the RFC 8785 canonical JSON of exactly these members
 * (keys sorted, no whitespace, UTF-8):
 *
 *   {"signedAt":"2024-05-01T12:00:00.000Z","signer":"ci/pipeline" | null,
 *    "subject":"sha256:<64 hex>" | "ami-<hex>","subjectType":"image-digest" | "ami",
 *    "type":"immutrail.attestation","version":1}
 *
 * `type` keeps a signature over a statement from being valid for any other
 * message the same key might sign. KMS signs it with MessageType RAW (KMS
 * hashes the bytes itself); the signature is stored base64 in AttestationData.
 * All members are strings (or null) or a small integer, so JSON.stringify of
 * an object built in sorted key order is the RFC 8785 form.
 */

export const ATTESTATION_STATEMENT_TYPE = 'immutrail.attestation';
export const ATTESTATION_STATEMENT_VERSION = 1;

export interface AttestationStatementFields {
  subject: string;
  subjectType: AttestationSubjectType;
  signedAt: string;
  signer: string | null;
}

export class AttestationError extends ImmutrailError {
  constructor(
    readonly code: 'ATTESTATION_SUBJECT_INVALID' | 'ATTESTATION_STATEMENT_INVALID',
    message: string,
  ) {
    super(message);
    this.name = 'AttestationError';
  }
}

const AMI_ID = /^ami-[0-9a-f]{8,17}$/;
const DIGEST = /^sha256:[0-9a-f]{64}$/;
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;

/**
 * The canonical subject for an artifact: AMI ids lower-cased; images by their
 * content digest alone ("sha256:<hex>"), whatever repository or tag they were
 * referenced by, since the digest is what was built and signed.
 */
export function normalizeSubject(subjectType: AttestationSubjectType, value: string): string {
  const v = value.trim();
  if (subjectType === 'ami') {
    const ami = v.toLowerCase();
    if (!AMI_ID.test(ami)) throw new AttestationError('ATTESTATION_SUBJECT_INVALID', `"${value}" is not an AMI id (ami-<hex>)`);
    return ami;
  }
  const digest = imageDigestOf(v);
  if (digest === null) {
    throw new AttestationError(
      'ATTESTATION_SUBJECT_INVALID',
      `"${value}" is not an image digest (sha256:<64 hex>) or a reference pinned by digest (repo@sha256:<64 hex>)`,
    );
  }
  return digest;
}

/**
 * The digest an image reference pins ("repo@sha256:..." or a bare
 * "sha256:..."), lower-cased; null for references by tag only.
 */
export function imageDigestOf(ref: string): string | null {
  const at = ref.lastIndexOf('@');
  const candidate = (at >= 0 ? ref.slice(at + 1) : ref).toLowerCase();
  return DIGEST.test(candidate) ? candidate : null;
}

/** The exact bytes that are signed for an attestation. */
export function attestationStatement(fields: AttestationStatementFields): Buffer {
  const subject = normalizeSubject(fields.subjectType, fields.subject);
  if (subject !== fields.subject) {
    throw new AttestationError('ATTESTATION_STATEMENT_INVALID', `subject must be given in canonical form "${subject}"`);
  }
  if (!ISO_UTC.test(fields.signedAt)) {
    throw new AttestationError('ATTESTATION_STATEMENT_INVALID', `signedAt "${fields.signedAt}" is not an ISO 8601 UTC time`);
  }
  if (fields.signer !== null && (typeof fields.signer !== 'string' || !fields.signer.isWellFormed())) {
    throw new AttestationError('ATTESTATION_STATEMENT_INVALID', 'signer must be null or a well-formed string');
  }
  // Keys in sorted order: JSON.stringify keeps insertion order.
  const statement = {
    signedAt: fields.signedAt,
    signer: fields.signer,
    subject,
    subjectType: fields.subjectType,
    type: ATTESTATION_STATEMENT_TYPE,
    version: ATTESTATION_STATEMENT_VERSION,
  };
  return Buffer.from(JSON.stringify(statement), 'utf8');
}

interface AlgorithmSpec {
  hash: 'sha256' | 'sha384' | 'sha512';
  family: 'ecdsa' | 'rsa-pss' | 'rsa-pkcs1';
  /** Curve for ECDSA, as node names it. */
  curve?: string;
  /** PSS salt length in bytes (KMS uses the digest length). */
  saltLength?: number;
}

/** KMS SigningAlgorithmSpec values immutrail verifies. */
export const SIGNING_ALGORITHMS: Readonly<Record<string, AlgorithmSpec>> = {
  ECDSA_SHA_256: { hash: 'sha256', family: 'ecdsa', curve: 'prime256v1' },
  ECDSA_SHA_384: { hash: 'sha384', family: 'ecdsa', curve: 'secp384r1' },
  ECDSA_SHA_512: { hash: 'sha512', family: 'ecdsa', curve: 'secp521r1' },
  RSASSA_PSS_SHA_256: { hash: 'sha256', family: 'rsa-pss', saltLength: 32 },
  RSASSA_PSS_SHA_384: { hash: 'sha384', family: 'rsa-pss', saltLength: 48 },
  RSASSA_PSS_SHA_512: { hash: 'sha512', family: 'rsa-pss', saltLength: 64 },
  RSASSA_PKCS1_V1_5_SHA_256: { hash: 'sha256', family: 'rsa-pkcs1' },
  RSASSA_PKCS1_V1_5_SHA_384: { hash: 'sha384', family: 'rsa-pkcs1' },
  RSASSA_PKCS1_V1_5_SHA_512: { hash: 'sha512', family: 'rsa-pkcs1' },
};

export type AttestationVerdict = 'valid' | 'untrusted-key' | 'unsupported-algorithm' | 'key-algorithm-mismatch' | 'malformed' | 'bad-signature';

/** The KMS key id inside a key ARN ("arn:aws:kms:...:key/<id>" -> "<id>"). */
function keyIdTail(keyId: string): string {
  const i = keyId.indexOf(':key/');
  return i >= 0 ? keyId.slice(i + 5) : keyId;
}

function findTrustedKey(keyId: string, trusted: readonly TrustedKey[]): TrustedKey | undefined {
  return trusted.find((k) => k.keyName === keyId) ?? trusted.find((k) => keyIdTail(k.keyName) === keyIdTail(keyId));
}

function keyFits(key: KeyObject, spec: AlgorithmSpec): boolean {
  if (spec.family === 'ecdsa') return key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === spec.curve;
  return key.asymmetricKeyType === 'rsa';
}

/** Why an attestation is or is not valid; never throws. */
export function checkAttestation(att: AttestationData, trustedKeys: readonly TrustedKey[]): AttestationVerdict {
  const trusted = findTrustedKey(att.keyId, trustedKeys);
  if (!trusted) return 'untrusted-key';
  const spec = SIGNING_ALGORITHMS[att.algorithm];
  if (!spec) return 'unsupported-algorithm';
  const key = trusted.publicKey;
  let message: Buffer;
  let signature: Buffer;
  try {
    message = attestationStatement(att);
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(att.signature)) return 'malformed';
    signature = Buffer.from(att.signature, 'base64');
  } catch {
    return 'malformed';
  }
  if (!keyFits(key, spec)) return 'key-algorithm-mismatch';
  try {
    const ok =
      spec.family === 'ecdsa'
        ? cryptoVerify(spec.hash, message, { key, dsaEncoding: 'der' }, signature)
        : cryptoVerify(
            spec.hash,
            message,
            spec.family === 'rsa-pss'
              ? { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: spec.saltLength }
              : { key, padding: constants.RSA_PKCS1_PADDING },
            signature,
          );
    return ok ? 'valid' : 'bad-signature';
  } catch {
    // Garbage that is not even a DER signature.
    return 'bad-signature';
  }
}

export function verifyAttestation(att: AttestationData, trustedKeys: readonly TrustedKey[]): boolean {
  return checkAttestation(att, trustedKeys) === 'valid';
}
