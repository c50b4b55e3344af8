import type { Duration } from 'aws-cdk-lib';

/** What a witness deployed outside the audit account needs to know about the archive it watches. */
export interface AuditWitnessProps {
  /** The audit account's archive bucket (its `ArchiveBucketName` output). */
  readonly auditBucketName: string;
  /** The audit account's id: the archive bucket's owner. */
  readonly auditAccount: string;
  /**
   * The key the archive bucket encrypts objects with (the audit stack's data key ARN), when
   * SSE-KMS: the witness needs kms:Decrypt to read checkpoints and GenerateDataKey to offer
   * its cosignatures. @default none (the bucket uses S3-managed keys)
   */
  readonly auditBucketKeyArn?: string;
  /** The archive's checkpoint origin (its `Origin` output); shard `s` is the log `<origin>/<s>`. */
  readonly archiveOrigin: string;
  /**
   * The archive's checkpoint public key, PEM (`immutrail public-key`). The witness trusts this
   * configured key only, never one it could fetch from the archive.
   */
  readonly archivePublicKeyPem: string;
  /** The witness's key name in its cosignatures and verifier key. @default `witness.<this account>` */
  readonly keyName?: string;
  /** How often the witness looks for new checkpoints. @default Duration.minutes(5) */
  readonly schedule?: Duration;
  /** An address subscribed to the witness's alert topic (refusals). @default none */
  readonly alertEmail?: string;
  /** COMPLIANCE retention of cosigned notes in the witness's bucket, in days. @default 2555 (7 years) */
  readonly retentionDays?: number;
}
