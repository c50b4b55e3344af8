import { SignCommand, type KMSClient, type SigningAlgorithmSpec } from '@aws-sdk/client-kms';
import { attestationStatement, normalizeSubject, SIGNING_ALGORITHMS } from '../core/attestation';
import type { AttestationData, AttestationSubjectType } from '../core/record';
import type { AttestationStore } from '../aws/attestation-store';
import { kmsMessage } from '../aws/kms-signer';
import { commitDrafts, type CommitDeps } from '../commit/commit';

/** Attestations are chained in a shard of their own, apart from the event shards. */
export const ATTESTATION_SHARD = 'attest';

export interface AttestRequest {
  subject: string;
  subjectType: AttestationSubjectType;
  keyId: string;
  algorithm?: SigningAlgorithmSpec;
  signer?: string | null;
  now?: Date;
}

/**
 * Signs an artifact (image digest or AMI id) with a KMS key, as a CI pipeline
 * does after it builds: the signature covers the statement bytes of
 * lib/core/attestation.ts.
 */
export async function signAttestation(kms: KMSClient, req: AttestRequest): Promise<AttestationData> {
  const algorithm = req.algorithm ?? 'ECDSA_SHA_256';
  const spec = SIGNING_ALGORITHMS[algorithm];
  if (!spec) throw new Error(`unsupported signing algorithm ${algorithm}`);
  const subject = normalizeSubject(req.subjectType, req.subject);
  const signedAt = (req.now ?? new Date()).toISOString();
  const signer = req.signer ?? null;
  const statement = attestationStatement({ subject, subjectType: req.subjectType, signedAt, signer });
  const out = await kms.send(new SignCommand({ KeyId: req.keyId, ...kmsMessage(statement, spec.hash), SigningAlgorithm: algorithm }));
  if (!out.Signature) throw new Error('KMS returned no signature');
  return {
    subject,
    subjectType: req.subjectType,
    keyId: out.KeyId ?? req.keyId,
    algorithm,
    signature: Buffer.from(out.Signature).toString('base64'),
    signer,
    signedAt,
  };
}

export function attestationRecordId(att: AttestationData): string {
  return `attestation:${att.subject}:${att.keyId}:${att.signedAt}`;
}

/** Records an attestation in the registry and as a record in the chain. */
export async function recordAttestation(store: AttestationStore, deps: CommitDeps, att: AttestationData): Promise<void> {
  await commitDrafts(deps, ATTESTATION_SHARD, [{ kind: 'attestation', id: attestationRecordId(att), data: att }]);
  await store.put(att);
}
