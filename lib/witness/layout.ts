/**
 * Where the witness reads and writes. The seal publishes, per shard,
 * `checkpoints/shards/<shard>/<size16>-<hash16>.note` and, with the same stem,
 * `.add-checkpoint` (the C2SP tlog-witness request body); sizes are zero-padded
 * so that key order is size order, which is the order the witness needs.
 */
import { SHARD_CHECKPOINTS_PREFIX as SHARDS_PREFIX } from '../core/layout';

export { ADD_CHECKPOINT_SUFFIX, SHARD_CHECKPOINTS_PREFIX as SHARDS_PREFIX } from '../core/layout';

/** The shard folder's prefix in the audit bucket. */
export const shardPrefix = (shard: string): string => `${SHARDS_PREFIX}${shard}/`;

/** `<size16>-<hash16>` of an add-checkpoint key, or null for any other key. */
export function requestStem(key: string): { shard: string; stem: string } | null {
  const m = /^checkpoints\/shards\/([^/]+)\/([0-9]{16}-[0-9a-f]{16})\.add-checkpoint$/.exec(key);
  return m ? { shard: m[1]!, stem: m[2]! } : null;
}

/** The cosigned note in the witness's own bucket. */
export const cosignedKey = (shard: string, stem: string): string => `cosigned/${shard}/${stem}.note`;

/** The copy the witness offers the archive, beside its checkpoints. */
export const auditCopyKey = (keyName: string, shard: string, stem: string): string => `cosignatures/${keyName}/${shard}/${stem}.note`;

/** The witness's public key, for auditors who fetch it from the witness's bucket. */
export const publicKeyKeys = (keyName: string): { pem: string; vkey: string } => ({ pem: `witness/${keyName}.pem`, vkey: `witness/${keyName}.vkey` });

/** The log a shard is: its own origin under the archive's. */
export { shardOrigin } from '../core/shard-checkpoint';
