import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { CHECKPOINTS_PREFIX, RECORDS_PREFIX } from '../core/layout';
import { UsageError } from './errors';

/**
 * The folder given as --dir, once it looks like a copy of the archive bucket:
 * a mistyped path must be a usage error, not an empty archive that verifies
 * or queries as "OK, nothing there".
 */
export function archiveDir(dir: string): string {
  if (!existsSync(join(dir, RECORDS_PREFIX)) && !existsSync(join(dir, CHECKPOINTS_PREFIX))) {
    throw new UsageError(`${dir} holds no ${RECORDS_PREFIX} or ${CHECKPOINTS_PREFIX} folder: give a copy of the archive bucket (aws s3 sync)`);
  }
  return dir;
}
