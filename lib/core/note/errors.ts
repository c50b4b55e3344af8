import { ImmutrailError } from '../errors';

/**
 * Why a signed note was refused: its bytes (MALFORMED), no trusted signer
 * (UNKNOWN_KEY), a trusted signer's signature failed (BAD_SIGNATURE), or a key
 * (or verifier key string) of a type this module does not handle (UNSUPPORTED_KEY).
 */
export type NoteErrorCode = 'NOTE_MALFORMED' | 'NOTE_UNKNOWN_KEY' | 'NOTE_BAD_SIGNATURE' | 'NOTE_UNSUPPORTED_KEY';

export class NoteError extends ImmutrailError {
  constructor(
    readonly code: NoteErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'NoteError';
  }
}
