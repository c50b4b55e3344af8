import type { SignedCheckpoint, TrustedKey } from '../core/checkpoint';
import type { Problem } from './problems';
import { CONSISTENCY_FORMAT } from './consistency-file';
import { buildConsistencyProofs, type ShardTreeSource } from './consistency-source';
import { verifyConsistencyFile } from './consistency-verify';

/** How one shard of a trusted checkpoint was shown to be extended by the archive's newest checkpoint. */
export interface ShardExtension {
  shard: string;
  trustedSize: number;
  /** null when the newest checkpoint does not name the shard. */
  latestSize: number | null;
  ok: boolean;
}

/**
 * Whether the archive's newest checkpoint extends a trusted one, shard by
 * shard, by RFC 6962 consistency proofs between the two signed roots. It
 * needs no record before the trusted size: only the proof's hashes, from the
 * index table's tiles or, without a table, rebuilt from the batch objects.
 * Every failure is a ROLLBACK: nothing signed shows that the archive extends
 * what was trusted.
 */
export async function proveExtension(
  trusted: SignedCheckpoint,
  latest: SignedCheckpoint,
  keys: readonly TrustedKey[],
  trees: ShardTreeSource,
  only?: string,
): Promise<{ problems: Problem[]; shards: ShardExtension[] }> {
  const pick = (c: SignedCheckpoint): SignedCheckpoint =>
    only === undefined ? c : { ...c, checkpoint: { ...c.checkpoint, shards: c.checkpoint.shards.filter((s) => s.shard === only) } };
  const built = await buildConsistencyProofs(pick(trusted), pick(latest), trees);
  const report = verifyConsistencyFile(
    { format: CONSISTENCY_FORMAT, old: trusted.note.toString('utf8'), new: latest.note.toString('utf8'), shards: built.shards },
    keys,
    built.unproven,
  );
  const problems: Problem[] = [];
  const shards: ShardExtension[] = [];
  for (const s of report.shards) {
    if (only !== undefined && s.shard !== only) continue;
    shards.push({ shard: s.shard, trustedSize: s.oldSize, latestSize: s.newSize, ok: s.ok });
    if (!s.ok) {
      problems.push({
        code: 'ROLLBACK',
        message: `shard ${s.shard}: the newest checkpoint in the archive (${latest.checkpoint.time}) is not shown to extend the trusted one: ${s.reason}: ${s.message}`,
        shard: s.shard,
      });
    }
  }
  if (report.pair) problems.push({ code: 'ROLLBACK', message: `the trusted checkpoint and the newest one in the archive: ${report.pair}` });
  return { problems, shards };
}
