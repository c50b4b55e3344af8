import { ANY_KEY_NAME, CheckpointError, noteHash, type SignedCheckpoint, type TrustedKey } from '../core/checkpoint';
import { parseShardCheckpointKey } from '../core/layout';
import { parseShardCheckpoint, shardOrigin, verifyShardCheckpoint } from '../core/shard-checkpoint';
import { chainRoots } from './chain-roots';
import type { BlockRunner } from './check-archive';
import type { Notice, Problem } from './problems';

/** A shard checkpoint whose key, text and signature checked out. */
export interface ValidShardNote {
  key: string;
  shard: string;
  size: number;
  root: string;
}

/**
 * Checks each shard checkpoint on its own (FORMAT.md 4.1): the key names the
 * shard, size and hash of the note; the origin is `<archive origin>/<shard>`;
 * a trusted signature verifies. `origin` undefined: the archive's is unknown.
 */
export function readShardNotes(
  files: readonly { key: string; note: Buffer }[],
  keys: readonly TrustedKey[],
  origin: string | undefined,
): { valid: ValidShardNote[]; problems: Problem[] } {
  const valid: ValidShardNote[] = [];
  const problems: Problem[] = [];
  for (const { key, note } of files) {
    const k = parseShardCheckpointKey(key);
    const malformed = (why: string, shard?: string) =>
      problems.push({ code: 'CHECKPOINT_MALFORMED', message: `shard checkpoint ${key}: ${why}`, key, ...(shard ? { shard } : {}) });
    if (!k) {
      malformed('the key is not checkpoints/shards/<shard>/<size>-<hash16>.note');
      continue;
    }
    try {
      const signed = parseShardCheckpoint(note);
      const c = signed.checkpoint;
      const wanted = origin === undefined ? undefined : shardOrigin(origin, k.shard);
      if (wanted !== undefined ? c.origin !== wanted : !c.origin.endsWith(`/${k.shard}`)) {
        malformed(`origin ${JSON.stringify(c.origin)} is not ${wanted === undefined ? `<archive origin>/${k.shard}` : JSON.stringify(wanted)}`, k.shard);
        continue;
      }
      if (c.size !== k.size || !noteHash(note).startsWith(k.hash16)) {
        malformed(`the key does not name the note's size ${c.size} and hash`, k.shard);
        continue;
      }
      verifyShardCheckpoint(signed, keys);
      valid.push({ key, shard: k.shard, size: c.size, root: c.root });
    } catch (err) {
      if (!(err instanceof CheckpointError)) throw err;
      const code = err.code === 'BAD_SIGNATURE' || err.code === 'UNKNOWN_KEY' ? 'CHECKPOINT_SIGNATURE' : 'CHECKPOINT_MALFORMED';
      problems.push({ code, message: `shard checkpoint ${key}: ${err.message}`, key, shard: k.shard });
    }
  }
  return { valid, problems };
}

/** What the verifier computed from the records. */
export interface ShardRecordsView {
  /** Records on each shard's chain. */
  lengths: ReadonlyMap<string, number>;
  /** Hex roots of each shard at the sizes asked for (include every valid note's size). */
  roots: ReadonlyMap<string, ReadonlyMap<number, string>>;
  /** Shard sizes that valid archive-wide checkpoints commit to. */
  committed: readonly { shard: string; size: number }[];
}

/**
 * Checks valid shard checkpoints against the records: the shard holds at least
 * `size` records (else TRUNCATED) and its root at that size is the note's (else
 * CHECKPOINT_MISMATCH). When the archive has shard checkpoints at all, a shard
 * size committed by an archive-wide checkpoint without one is a note.
 */
export function checkShardNotes(notes: readonly ValidShardNote[], view: ShardRecordsView): { problems: Problem[]; notices: Notice[] } {
  const problems: Problem[] = [];
  const notices: Notice[] = [];
  for (const n of notes) {
    const length = view.lengths.get(n.shard) ?? 0;
    if (length < n.size) {
      problems.push({
        code: 'TRUNCATED',
        message: `shard ${n.shard}: shard checkpoint ${n.key} committed to ${n.size} records, the archive holds ${length}`,
        key: n.key,
        shard: n.shard,
        seq: length,
      });
    } else if (view.roots.get(n.shard)?.get(n.size) !== n.root) {
      problems.push({
        code: 'CHECKPOINT_MISMATCH',
        message: `shard ${n.shard}: the records do not match the root of shard checkpoint ${n.key} at size ${n.size}`,
        key: n.key,
        shard: n.shard,
      });
    }
  }
  if (notes.length === 0) return { problems, notices };
  const have = new Set(notes.map((n) => `${n.shard} ${n.size}`));
  const missing = new Map<string, number[]>();
  for (const c of view.committed) {
    if (!have.has(`${c.shard} ${c.size}`)) missing.set(c.shard, [...new Set([...(missing.get(c.shard) ?? []), c.size])]);
  }
  for (const [shard, sizes] of missing) {
    const list = sizes.sort((a, b) => a - b);
    notices.push({
      code: 'SHARD_NOTE_MISSING',
      message: `shard ${shard}: no shard checkpoint for ${list.length} size(s) that archive-wide checkpoints commit to (${list.slice(0, 5).join(', ')}${list.length > 5 ? ', …' : ''}); archives sealed before shard checkpoints existed have none`,
      shard,
    });
  }
  return { problems, notices };
}

/** What verifyArchive already knows when shard checkpoints are checked. */
export interface ShardCheckpointContext {
  keys: readonly TrustedKey[];
  /** Each shard's committed chain (check-archive.ts). */
  assembled: ReadonlyMap<string, { length: number; chain: readonly { leaves: Buffer }[] }>;
  /** Valid archive-wide checkpoints (and the trusted one): their shard lines were checked against the records already. */
  checkpoints: readonly SignedCheckpoint[];
  /** Only part of the records was read: check keys, text and signatures, not roots. */
  partial?: boolean;
}

/** The archive's origin as FORMAT.md 5 names it: the trusted key's name, else the checkpoints' origin. */
function archiveOrigin(ctx: ShardCheckpointContext): string | undefined {
  const names = new Set(ctx.keys.map((k) => k.keyName));
  const named = names.size === 1 && !names.has(ANY_KEY_NAME) ? [...names][0] : undefined;
  return named ?? ctx.checkpoints.at(-1)?.checkpoint.origin;
}

/**
 * Steps of FORMAT.md 4.1 for every shard checkpoint. A note's root at a size an
 * archive-wide checkpoint also commits to is compared with that checkpoint's
 * line (which was compared with the records); roots at other sizes (a seal that
 * crashed before publishing) are computed here with `blocks`.
 */
export async function checkShardCheckpoints(
  files: readonly { key: string; note: Buffer }[],
  ctx: ShardCheckpointContext,
  blocks: BlockRunner,
): Promise<{ problems: Problem[]; notices: Notice[] }> {
  const read = readShardNotes(files, ctx.keys, archiveOrigin(ctx));
  if (ctx.partial) return { problems: read.problems, notices: [] };
  const committed = ctx.checkpoints.flatMap((c) => c.checkpoint.shards.map((s) => ({ shard: s.shard, size: s.size, root: s.root })));
  const known = new Map(committed.map((s) => [`${s.shard} ${s.size}`, s.root]));
  const roots = new Map<string, Map<number, string>>();
  for (const [shard, a] of ctx.assembled) {
    const sizes = read.valid.filter((n) => n.shard === shard && !known.has(`${n.shard} ${n.size}`)).map((n) => n.size);
    const computed = sizes.length ? await chainRoots(a.chain).at(sizes, blocks) : new Map<number, string>();
    for (const c of committed) if (c.shard === shard) computed.set(c.size, c.root);
    roots.set(shard, computed);
  }
  const lengths = new Map([...ctx.assembled].map(([shard, a]) => [shard, a.length]));
  const checked = checkShardNotes(read.valid, { lengths, roots, committed });
  return { problems: [...read.problems, ...checked.problems], notices: checked.notices };
}
