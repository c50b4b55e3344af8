import { ImmutrailError } from '../core/errors';

/** A file given as a bundle that is not one (unreadable, not a gzipped tar, no manifest): bad usage, not tampering. */
export class NotABundleError extends ImmutrailError {
  readonly code = 'NOT_A_BUNDLE';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'NotABundleError';
  }
}
