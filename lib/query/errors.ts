import { ImmutrailError } from '../core/errors';

/** Why a query could not be run or answered. Every error the query layer throws carries one of these. */
export type QueryErrorCode =
  | 'UNKNOWN_QUERY'
  | 'MISSING_PARAMETER'
  | 'UNKNOWN_PARAMETER'
  | 'INVALID_PARAMETER'
  | 'UNSUPPORTED_PLACEHOLDER'
  | 'ARCHIVE_LINE_INVALID'
  | 'ARCHIVE_READ_FAILED'
  | 'ENGINE_CLOSED'
  | 'SQL_FAILED'
  | 'ATHENA_QUERY_FAILED'
  | 'ATHENA_QUERY_TIMEOUT';

export class QueryError extends ImmutrailError {
  constructor(
    readonly code: QueryErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'QueryError';
  }
}

/** Athena ended the query in FAILED or CANCELLED; `reason` is Athena's StateChangeReason, shown to the user as is. */
export class AthenaQueryFailedError extends QueryError {
  constructor(
    readonly queryExecutionId: string,
    readonly state: 'FAILED' | 'CANCELLED',
    readonly reason: string | undefined,
    readonly athenaError?: { category?: number; type?: number; retryable?: boolean; message?: string },
  ) {
    super('ATHENA_QUERY_FAILED', `Athena query ${queryExecutionId} ${state}: ${reason ?? 'no reason given'}`);
    this.name = 'AthenaQueryFailedError';
  }
}
