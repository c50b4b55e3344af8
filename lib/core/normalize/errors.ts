import { ImmutrailError } from '../errors';

export type NormalizeErrorCode = 'NOT_AN_OBJECT' | 'UNKNOWN_SHAPE' | 'MISSING_FIELD' | 'BAD_FIELD';

/** The delivered event failed validation; the caller quarantines it (it is never dropped). */
export class NormalizeError extends ImmutrailError {
  constructor(
    readonly code: NormalizeErrorCode,
    message: string,
    /** The offending field, e.g. "eventTime" or "detail.eventID"; null when the whole event is at fault. */
    readonly field: string | null = null,
  ) {
    super(message);
    this.name = 'NormalizeError';
  }
}
