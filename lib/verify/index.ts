/**
 * The verifier's pure surface: format checks over bytes already read, with no
 * I/O, no AWS SDK and no thread pool. `prove` and other callers build on this
 * and on the consistency proof modules beside it (consistency-*.ts,
 * prove-error.ts), never on the verifier's internals. verifyArchive
 * (verify-archive.ts) is the I/O around it: it reads an ArchiveSource and
 * feeds checkArchive.
 */
export { assembleShard, type Anchor, type AssembledShard } from './assemble-shard';
export { checkArchive, inlineBlocks, type ArchiveCheckResult, type BlockRunner, type CheckInput, type ShardSummary } from './check-archive';
export { checkCheckpoints, type CheckedCheckpoints, type CheckpointNote } from './checkpoint-chain';
export { ARCHIVE_CHECKS, type ArchiveCheck, type CheckContext, type CheckOptions, type Findings } from './checks';
export { type Notice, type NoticeCode, type Problem, type ProblemCode } from './problems';
export { scanBatch, type ScannedBatch } from './scan-batch';
export type { ArchiveSource } from '../core/archive-source';
