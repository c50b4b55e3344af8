import { ImmutrailError } from '../errors';

/**
 * Raised when a Merkle function is called with arguments that describe no tree,
 * no leaf or no hash. Verification functions never raise it: a malformed proof is
 * simply one that does not verify.
 */
export class MerkleError extends ImmutrailError {
  constructor(
    readonly code: 'INVALID_ARGUMENT' | 'INDEX_OUT_OF_RANGE' | 'SIZE_OUT_OF_RANGE' | 'INVALID_HASH' | 'INVALID_FRONTIER',
    message: string,
  ) {
    super(message);
    this.name = 'MerkleError';
  }
}
