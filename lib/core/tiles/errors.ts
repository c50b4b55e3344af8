import { ImmutrailError } from '../errors';

/** A tile path, coordinate or body that the C2SP tlog-tiles layout does not allow. */
export class TileError extends ImmutrailError {
  constructor(
    readonly code: 'TILE_PATH' | 'TILE_COORDINATE' | 'TILE_BODY',
    message: string,
  ) {
    super(message);
    this.name = 'TileError';
  }
}
