import { ImmutrailError } from '../core/errors';

export type LogFileErrorCode =
  /** Not gzip, truncated or damaged compressed data, or text that is not UTF-8. */
  | 'LOG_FILE_CORRUPT'
  /** Decompressed, but not JSON. */
  | 'LOG_FILE_NOT_JSON'
  /** JSON, but not CloudTrail's `{"Records": [...]}`. */
  | 'LOG_FILE_SHAPE'
  /** Larger than the configured limit once decompressed. */
  | 'LOG_FILE_TOO_LARGE';

/** A trail log file (or digest file) that cannot be read as CloudTrail delivers it. */
export class LogFileError extends ImmutrailError {
  constructor(
    readonly code: LogFileErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'LogFileError';
  }
}
