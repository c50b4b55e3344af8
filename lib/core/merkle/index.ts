/**
 * RFC 6962 Merkle trees as immutrail uses them: one tree per shard whose leaves
 * are the records' canonical bytes, hashes as Buffers (hex only at the storage
 * boundary).
 */
export { MerkleError } from './errors';
export { HASH_SIZE, emptyRoot, leafHash, leafHashOfPrefixed, nodeHash } from './hash';
export { type SubtreeRange, consistencyRanges, frontierRanges, inclusionRanges } from './ranges';
export { consistencyProof, inclusionProof, rootOf, rootOfRange } from './tree';
export { Frontier, type FrontierJSON } from './frontier';
export { rootFromInclusionProof, verifyConsistency, verifyInclusion } from './verify';
export { type SubtreeRootSource, consistencyProofFrom, frontierFrom, inclusionProofFrom } from './subtree-source';
export { CompactRange, rangeLevels } from './compact-range';
