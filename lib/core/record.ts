import type { Alert } from './alert';
import type { EventData } from './normalized';

/** Version of the record format described in docs/FORMAT.md. */
export const FORMAT_VERSION = 1 as const;

/** `prev` of a shard's genesis record: 32 zero bytes, hex. */
export const ZERO_HASH = '0'.repeat(64);

export type RecordKind = 'genesis' | 'event' | 'quarantine' | 'alert' | 'attestation' | 'coverage';

/**
 * The chain header. It is the first key of every record ("chain" sorts before "data"),
 * so a verifier can read the links without parsing the payload.
 */
export interface ChainHeader {
  v: typeof FORMAT_VERSION;
  shard: string;
  /** 0 for genesis, then +1 per record, no gaps. */
  seq: number;
  /** Record hash of seq-1 in the same shard (hex), ZERO_HASH for genesis. */
  prev: string;
  kind: RecordKind;
  /** Unique across the archive; the exactly-once key. */
  id: string;
  /** When the record was committed (ISO 8601 UTC, milliseconds). */
  time: string;
}

export interface GenesisData {
  /** The archive's origin string, also the first line of every checkpoint. */
  origin: string;
}

export interface QuarantineData {
  reason: string;
  /** The delivered bytes, exactly, base64. */
  rawBase64: string;
  via: EventData['via'];
}

export interface AlertData {
  alert: Alert;
}

export type AttestationSubjectType = 'image-digest' | 'ami';

export interface AttestationData {
  subject: string;
  subjectType: AttestationSubjectType;
  /** KMS key id (ARN) that signed. */
  keyId: string;
  algorithm: string;
  /** Base64 signature over the attestation statement (see docs/FORMAT.md). */
  signature: string;
  signer: string | null;
  signedAt: string;
}

export interface CoverageData {
  logFile: string;
  total: number;
  archived: number;
  recovered: number;
  skipped: number;
  /** SHA-256 of the log file as CloudTrail's digest recorded it, when the digest was checked. */
  digestSha256: string | null;
  /**
   * The account and region whose folder holds the log file (from its key in
   * CloudTrail's layout); null when the key is not in that layout. Absent from
   * records written before they were added (the format version is unchanged:
   * fields added to a record's data are additive).
   */
  account?: string | null;
  region?: string | null;
}

export type RecordDataByKind = {
  genesis: GenesisData;
  event: EventData;
  quarantine: QuarantineData;
  alert: AlertData;
  attestation: AttestationData;
  coverage: CoverageData;
};

export type AuditRecordOf<K extends RecordKind> = { chain: ChainHeader & { kind: K }; data: RecordDataByKind[K] };

/** One archived record: the unit that is hashed, chained and proved. */
export type AuditRecord = { [K in RecordKind]: AuditRecordOf<K> }[RecordKind];

/** An id a record claims besides its own (see RecordDraft.alsoClaims): the id and the hour it is claimed under. */
export interface ExtraClaim {
  id: string;
  hour: string;
}

/**
 * A record before it is placed in a chain. `alsoClaims` are ids the commit adds
 * to the id sets beside the record's own: a quarantined delivery claims the
 * event id it carries, so the same call found later in a trail log file is not
 * archived a second time as "missed". They are index entries, not record content.
 */
export type RecordDraft = { [K in RecordKind]: { kind: K; id: string; data: RecordDataByKind[K]; alsoClaims?: readonly ExtraClaim[] } }[RecordKind];
