import { checkpointRoots } from './checkpoint-roots';
import type { ArchiveCheck } from './context';
import { duplicateIds } from './duplicate-ids';
import { genesisOrigin } from './genesis-origin';
import { noCheckpoint } from './no-checkpoint';
import { sealGap } from './seal-gap';
import { trustedExtension } from './trusted-extension';

export type { ArchiveCheck, CheckContext, CheckOptions, Findings } from './context';

/**
 * The rules checked once every shard is assembled and its roots computed, in
 * report order. A new rule (a per-shard checkpoint check, a witness check) is
 * one more ArchiveCheck here; what it needs that the archive's records and
 * checkpoints do not give is read by verify-archive.ts and added to CheckContext.
 */
export const ARCHIVE_CHECKS: readonly ArchiveCheck[] = [checkpointRoots, trustedExtension, genesisOrigin, sealGap, noCheckpoint, duplicateIds];
