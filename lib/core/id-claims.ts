import { createHash } from 'node:crypto';
import type { RecordDraft } from './record';

/**
 * Exactly-once without an index item per event (docs/FORMAT.md section 2.5,
 * docs/DESIGN.md section 7). Every committed record id is claimed in its
 * shard's *id set* for one hour: the hour of the event's own time, which both
 * lanes (EventBridge and the trail's log file) and every redelivery compute
 * alike. A commit writes one id-set item per hour it touches, in the same
 * transaction as the head's compare-and-swap, so a writer that read the sets
 * after reading the head sees every id committed before it.
 */

/** Bytes of SHA-256 kept per id: 2^-128 per pair, so a false duplicate never happens in practice. */
export const ID_DIGEST_BYTES = 16;

/** The hour of records that carry no time of their own (genesis, quarantine). */
export const TIMELESS_HOUR = '-';

/** Prefixes of the ids the product mints; an id from outside must not start with one (issue 19, defect 4). */
export const RESERVED_ID_PREFIXES = ['genesis:', 'quarantine:', 'alert:', 'coverage:', 'attestation:', 'recovered:'] as const;

export function isReservedId(id: string): boolean {
  return RESERVED_ID_PREFIXES.some((p) => id.startsWith(p));
}

export function idDigest(id: string): Buffer {
  return createHash('sha256').update(id, 'utf8').digest().subarray(0, ID_DIGEST_BYTES);
}

const HOUR = /^(\d{4}-\d{2}-\d{2})T(\d{2})/;

/** `YYYY-MM-DDTHH` of an ISO 8601 time, or TIMELESS_HOUR when it is not one. */
export function hourOf(time: unknown): string {
  if (typeof time !== 'string') return TIMELESS_HOUR;
  const m = HOUR.exec(time);
  if (!m || Number.isNaN(Date.parse(time))) return TIMELESS_HOUR;
  return `${m[1]}T${m[2]}`;
}

/** A CloudTrail log file name carries its delivery time: `..._20260101T0005Z_...`. */
export function logFileHour(logFile: string): string {
  const m = /_(\d{4})(\d{2})(\d{2})T(\d{2})\d{2}Z_/.exec(logFile);
  return m ? `${m[1]}-${m[2]}-${m[3]}T${m[4]}` : TIMELESS_HOUR;
}

/** The hour a record's id is claimed under: a function of the record's content only, never of when it is committed. */
export function claimHour(draft: RecordDraft): string {
  switch (draft.kind) {
    case 'event':
      return hourOf(draft.data.event.eventTime);
    case 'alert':
      return hourOf(draft.data.alert.eventTime);
    case 'coverage':
      return logFileHour(draft.data.logFile);
    case 'attestation':
      return hourOf(draft.data.signedAt);
    default:
      return TIMELESS_HOUR;
  }
}

export interface IdClaim {
  id: string;
  hour: string;
}

export const claimOf = (draft: RecordDraft): IdClaim => ({ id: draft.id, hour: claimHour(draft) });
