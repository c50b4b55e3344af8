import { CheckpointError, parseSignedCheckpoint, type Checkpoint } from '../core/checkpoint';
import { ADD_CHECKPOINT_SUFFIX, COSIGNATURES_PREFIX, addCheckpointKey, SHARD_CHECKPOINTS_PREFIX, parseShardCheckpointKey } from '../core/layout';
import type { ArchiveSource } from '../core/archive-source';

/** `cosignatures/<witness key name>/<shard>/<size16>-<hash16>.note`: the key name may hold slashes. */
const COSIGNED_KEY_RE = /^cosignatures\/(.+)\/([^/]+)\/([0-9]{16}-[0-9a-f]{16})\.note$/;

/** `<shard>/<size16>-<hash16>` of a shard note key, the stem its request and cosignatures share. */
const stemOf = (key: string): string => key.slice(SHARD_CHECKPOINTS_PREFIX.length, -'.note'.length);

/**
 * The shard checkpoints (FORMAT.md 4.1) of a bundle, with what belongs to
 * them: the notes whose shard and size a covering archive-wide checkpoint
 * commits to (so they are the period's, and no note is chosen by a date it
 * does not have), the witness request written beside each (`.add-checkpoint`),
 * and the cosigned copies witnesses left under `cosignatures/` for them.
 */
export async function witnessFileKeys(
  source: ArchiveSource,
  checkpointKeys: readonly string[],
): Promise<{ notes: string[]; requests: string[]; cosigned: string[] }> {
  const committed = new Set<string>();
  for (const key of checkpointKeys) {
    for (const s of await shardLines(source, key)) committed.add(`${s.shard} ${s.size}`);
  }
  const notes: string[] = [];
  const requests = new Set<string>();
  for await (const o of source.list(SHARD_CHECKPOINTS_PREFIX)) {
    if (o.key.endsWith(ADD_CHECKPOINT_SUFFIX)) requests.add(o.key);
    const k = parseShardCheckpointKey(o.key);
    if (k && committed.has(`${k.shard} ${k.size}`)) notes.push(o.key);
  }
  const stems = new Set(notes.map(stemOf));
  const cosigned: string[] = [];
  for await (const o of source.list(COSIGNATURES_PREFIX)) {
    const m = COSIGNED_KEY_RE.exec(o.key);
    if (m && stems.has(`${m[2]}/${m[3]}`)) cosigned.push(o.key);
  }
  const wantedRequests = notes.map(addCheckpointKey).filter((r) => requests.has(r));
  return { notes: notes.sort(), requests: wantedRequests.sort(), cosigned: cosigned.sort() };
}

/** A checkpoint's shard lines; none for one that does not parse (the bundle's verifier reports it). */
async function shardLines(source: ArchiveSource, key: string): Promise<Checkpoint['shards']> {
  try {
    return parseSignedCheckpoint(await source.get(key)).checkpoint.shards;
  } catch (err) {
    if (err instanceof CheckpointError) return [];
    throw err;
  }
}
