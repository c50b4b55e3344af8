import type { Alert } from '../alert';
import type { TrustedKey } from '../attestation';
import type { ResourceRef } from '../normalized';
import type { AttestationData, AuditRecordOf } from '../record';
import type { DetectionConfig } from './config';
import type { SigmaRule } from './sigma/rule';

/** Detectors only ever see committed event records: an alert always points at an archived event. */
export type EventRecord = AuditRecordOf<'event'>;

/** The artifact registry: every attestation recorded for a subject (verified by the detector, not trusted). */
export interface AttestationLookup {
  find(subject: string): Promise<AttestationData[]>;
}

/**
 * Optional facts from the archive's index. Without them the detectors decide
 * from the event alone (see each detector for what that means).
 */
export interface ResourceLookup {
  /** Tags last seen on a resource; null when unknown. */
  tagsOf?(resource: ResourceRef): Promise<Record<string, string> | null>;
  /** The AMI an instance was launched from; null when unknown. */
  imageOfInstance?(instanceId: string): Promise<string | null>;
}

export interface DetectionContext {
  config: DetectionConfig;
  attestations: AttestationLookup;
  /** Public keys of config.attestationKeyIds, fetched once at init (KMS GetPublicKey -> trustedKeyFromDer). */
  trustedKeys: readonly TrustedKey[];
  /** Compiled Sigma rules (loadSigmaRules at init); no Sigma alerts when absent. */
  sigmaRules?: readonly SigmaRule[];
  resources?: ResourceLookup;
}

export interface Detector {
  /** Stable name, for logs and tests; the run order is fixed by the DETECTORS list. */
  readonly name: string;
  /**
   * Sigma rule ids whose alerts this detector replaces: it judges the events
   * they match with more context, so runDetectors drops their alerts.
   */
  readonly supersedes?: readonly string[];
  detect(record: EventRecord, ctx: DetectionContext): Promise<Alert[]>;
}
