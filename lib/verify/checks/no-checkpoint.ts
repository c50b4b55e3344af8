import type { ArchiveCheck } from './context';

/**
 * An archive with no valid checkpoint is a note, not a problem: a fresh
 * deployment has none until its first seal, and nothing in the archive is
 * contradicted. It becomes a problem only through what the user asked for: a
 * trusted checkpoint (ROLLBACK, trusted-extension.ts) or a maximum seal gap (SEAL_GAP).
 */
export const noCheckpoint: ArchiveCheck = (ctx, out) => {
  if (!ctx.latest)
    out.notices.push({ code: 'NO_CHECKPOINT', message: 'the archive holds no valid checkpoint: truncation of the newest records cannot be detected' });
};
