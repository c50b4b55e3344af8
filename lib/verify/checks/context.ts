import type { SignedCheckpoint, TrustedKey } from '../../core/checkpoint';
import type { AssembledShard } from '../assemble-shard';
import type { BlockRunner } from '../check-archive';
import type { Notice, Problem } from '../problems';

/** What the pure check is told besides the archive's contents. */
export interface CheckOptions {
  keys: readonly TrustedKey[];
  /** Only this shard was read. */
  shard?: string;
  /** Only part of the records was read (a date or sequence range): roots cannot be recomputed. */
  partial: boolean;
  /** Report ids committed more than once (the batches carry their ids). */
  checkDuplicates?: boolean;
  /** A problem (SEAL_GAP) when the newest checkpoint is older than the newest record by more than this (milliseconds). */
  maxSealGapMs?: number;
}

/** Everything a check after assembly may look at; nothing here does I/O. */
export interface CheckContext {
  opts: CheckOptions;
  /** The archive's valid checkpoints, oldest first (size, then time). */
  checkpoints: readonly SignedCheckpoint[];
  /** The newest valid checkpoint: it heads the checkpoint chain. */
  latest?: SignedCheckpoint;
  /** The checkpoint the user trusted earlier, already verified. */
  trusted?: SignedCheckpoint;
  /** Each shard's committed chain (step 3), by shard id. */
  assembled: ReadonlyMap<string, AssembledShard>;
  /** Merkle roots (hex) of each shard's chain at every checkpoint size it reaches; empty when partial. */
  roots: ReadonlyMap<string, ReadonlyMap<number, string>>;
  /** Hashes Merkle blocks (chain-roots.ts, ChainRoots) for a check that needs roots at other sizes. */
  blocks: BlockRunner;
}

export interface Findings {
  problems: Problem[];
  notices: Notice[];
}

/** One rule of FORMAT.md section 5 applied to the assembled archive: adds what it finds to `out` (async only to hash through `blocks`). */
export type ArchiveCheck = (ctx: CheckContext, out: Findings) => void | Promise<void>;
