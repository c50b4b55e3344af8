import { ImmutrailError } from '../core/errors';

/**
 * Why a proof could not be built. NOT_FOUND and NOT_SEALED are answers about
 * the record; the others mean the index (batch log), the tiles or the archive
 * disagrees with itself or with the signed checkpoint.
 */
export type ProveErrorCode =
  | 'NOT_FOUND' // no record with this id is committed
  | 'NOT_SEALED' // committed, but no checkpoint covers it yet
  | 'BATCH_LOG_GAP' // the batch log does not cover a sequence range it should
  | 'BATCH_LOG_CORRUPT' // a batch log item is not what the commit writes
  | 'TILE_MISSING' // a tile the checkpoint's size requires is not stored (the seal's tile step failed or has not run)
  | 'TILE_DAMAGED' // a stored tile is not as long as its path says
  | 'RECORD_MISMATCH' // the batch object does not hold the record where the index says
  | 'INDEX_MISMATCH' // the computed proof does not lead to the checkpoint's root
  | 'ARCHIVE_INCOMPLETE'; // offline: the archive holds fewer records than the checkpoint

export class ProveError extends ImmutrailError {
  constructor(
    readonly code: ProveErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ProveError';
  }
}
