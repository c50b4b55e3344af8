import { ImmutrailError } from '../errors';

/**
 * Why a witness refuses to cosign an add-checkpoint request. The codes are
 * stable: the witness's alert, its state and the tests name them.
 * - WITNESS_MALFORMED: the request or its checkpoint does not parse.
 * - WITNESS_UNKNOWN_ORIGIN: the checkpoint names a log this witness does not follow.
 * - WITNESS_BAD_SIGNATURE: no signature on the checkpoint verifies with the log's configured key.
 * - WITNESS_CONFLICT: the request's old size is not the size the witness last cosigned.
 * - WITNESS_ROLLBACK: the checkpoint is smaller than what the witness last cosigned.
 * - WITNESS_INCONSISTENT: the consistency proof does not show the checkpoint extends
 *   the last one cosigned (including a different root at the same size: a fork).
 */
export type WitnessRefusalCode =
  'WITNESS_MALFORMED' | 'WITNESS_UNKNOWN_ORIGIN' | 'WITNESS_BAD_SIGNATURE' | 'WITNESS_CONFLICT' | 'WITNESS_ROLLBACK' | 'WITNESS_INCONSISTENT';

/** Thrown where a refusal cannot be returned as a value (e.g. a key that cannot be used). */
export class WitnessError extends ImmutrailError {
  constructor(
    readonly code: WitnessRefusalCode | 'WITNESS_KEY',
    message: string,
  ) {
    super(message);
    this.name = 'WitnessError';
  }
}
