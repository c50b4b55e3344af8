/**
 * `immutrail/verify`: the offline verifier and the archive format, for any
 * Node program. Nothing reachable from this file imports the AWS SDK,
 * aws-cdk-lib or DuckDB (test/package/verify-entry.test.ts loads it and
 * checks): an auditor's tool needs only the archive's files, a proof file and
 * the public key.
 */
import { DirSource } from './verify/dir-source';
import { verifyArchive, type VerifyOptions, type VerifyReport } from './verify/verify-archive';

export { ImmutrailError } from './core/errors';

// Verifying an archive: a local copy (e.g. `aws s3 sync` of the bucket) or any ArchiveSource.
export { verifyArchive, trustedCheckpoint, TrustedCheckpointError, type VerifyOptions, type VerifyReport, type ShardSummary } from './verify/verify-archive';
export { DirSource } from './verify/dir-source';
export type { ArchiveSource } from './core/archive-source';
export type { Notice, NoticeCode, Problem, ProblemCode } from './verify/problems';

/** Verifies the archive copied into `dir` (laid out as the bucket: records/…, checkpoints/…). */
export function verifyArchiveDir(dir: string, options: VerifyOptions): Promise<VerifyReport> {
  return verifyArchive(new DirSource(dir), options);
}

// Inclusion and consistency proofs (immutrail prove, immutrail consistency).
export { parseProofFile, ProofFileError, PROOF_FORMAT, type InclusionProofFile } from './prove/proof-file';
export { verifyProofFile, type ProofVerdict, type ProofCheck, type CheckOutcome } from './prove/verify-proof';
export { parseConsistencyFile, ConsistencyFileError, CONSISTENCY_FORMAT, type ConsistencyProofFile } from './verify/consistency-file';
export { verifyConsistencyFile, type ConsistencyReport } from './verify/consistency-verify';

// Checkpoints (C2SP signed notes) and the keys that sign them.
export {
  ANY_KEY_NAME,
  CheckpointError,
  checkpointBody,
  parseSignedCheckpoint,
  trustedKeyFromPem,
  verifyCheckpoint,
  type Checkpoint,
  type ShardState,
  type SignedCheckpoint,
  type TrustedKey,
} from './core/checkpoint';

// Records: canonical bytes (RFC 8785) and the RFC 9162 Merkle tree over them.
export { canonicalBytes, canonicalize, CanonicalizationError } from './core/canonical';
export { FORMAT_VERSION, type AuditRecord, type ChainHeader, type RecordKind } from './core/record';
export { leafHash, nodeHash, rootOf, verifyConsistency, verifyInclusion, MerkleError } from './core/merkle';
