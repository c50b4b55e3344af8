import { ImmutrailError } from '../core/errors';

/** Exit codes of every immutrail command. */
export const EXIT = {
  OK: 0,
  /** Tampering, a gap, or a proof that does not verify. */
  FAILED: 1,
  /** Bad usage, or the archive could not be reached. */
  USAGE: 2,
  /** A bug in immutrail: one line naming the error (the stack with --debug). */
  INTERNAL: 3,
} as const;

/** Bad arguments or an unreachable target: printed as one line, exit 2. */
export class UsageError extends ImmutrailError {
  readonly code = 'USAGE';
}
