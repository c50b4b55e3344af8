import { ImmutrailError } from '../core/errors';

/** A construct prop or CDK context value that cannot produce a safe stack. */
export type AuditTrailConfigErrorCode =
  | 'INVALID_SHARD_ID'
  | 'UNKNOWN_EVENT_FAMILY'
  | 'EMPTY_SHARD'
  | 'NO_SHARDS'
  | 'OVERLAPPING_SHARDS'
  | 'INVALID_ACCOUNT'
  | 'INVALID_RETENTION'
  | 'INVALID_SILENCE'
  | 'INVALID_BATCHING_WINDOW'
  | 'INVALID_EVENT_SOURCE'
  | 'INVALID_DETECTION_CONFIG'
  | 'INVALID_CONTEXT';

export class AuditTrailConfigError extends ImmutrailError {
  constructor(
    readonly code: AuditTrailConfigErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'AuditTrailConfigError';
  }
}
