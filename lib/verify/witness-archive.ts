import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { COSIGNATURES_PREFIX, parseShardCheckpointKey } from '../core/layout';
import { CheckpointError, type TrustedKey } from '../core/checkpoint';
import { parseShardCheckpoint, verifyShardCheckpoint, type SignedShardCheckpoint } from '../core/shard-checkpoint';
import type { Cosigner } from '../core/witness/cosignature';
import { chainRoots } from './chain-roots';
import type { BlockJob, BlockResult } from './merkle-blocks';
import type { Problem } from './problems';
import type { ArchiveSource } from '../core/archive-source';
import { checkWitnesses, type ArchiveShardView } from './witness-check';

/** `verify --witness-key/--witnesses/--witness-dir`. */
export interface WitnessVerifyOptions {
  witnesses: readonly Cosigner[];
  /** Valid cosignatures by distinct trusted witnesses the newest shard checkpoint needs. */
  required: number;
  /** Copies of witnesses' buckets: every `.note` file under them is read. */
  dirs: readonly string[];
}

/** The prefix where witnesses offer cosigned notes in the archive bucket. */

function notesUnder(dir: string): { source: string; note: Buffer }[] {
  return readdirSync(dir, { recursive: true })
    .map(String)
    .filter((p) => p.endsWith('.note'))
    .sort()
    .map((p) => ({ source: join(dir, p), note: readFileSync(join(dir, p)) }));
}

async function cosignedNotes(source: ArchiveSource, dirs: readonly string[]): Promise<{ source: string; note: Buffer }[]> {
  const found: { source: string; note: Buffer }[] = [];
  for await (const o of source.list(COSIGNATURES_PREFIX)) if (o.key.endsWith('.note')) found.push({ source: o.key, note: await source.get(o.key) });
  return [...found, ...dirs.flatMap(notesUnder)];
}

/** Sizes of the cosigned notes, per origin (the roots the check needs), read leniently: the check parses them properly. */
function cosignedSizes(notes: readonly { note: Buffer }[]): Map<string, number[]> {
  const sizes = new Map<string, number[]>();
  for (const { note } of notes) {
    const lines = note.toString('utf8').split('\n');
    if (/^\d+$/.test(lines[1] ?? '')) sizes.set(lines[0]!, [...(sizes.get(lines[0]!) ?? []), Number(lines[1])]);
  }
  return sizes;
}

/** A shard note that parses and verifies with the archive's keys; the others are already problems of their own (shard-checkpoints.ts). */
function validNote(note: Buffer, keys: readonly TrustedKey[]): SignedShardCheckpoint | null {
  try {
    const signed = parseShardCheckpoint(note);
    verifyShardCheckpoint(signed, keys);
    return signed;
  } catch (err) {
    if (err instanceof CheckpointError) return null;
    throw err;
  }
}

/** The newest valid shard checkpoint of each shard (by size), as the witness check reads it. */
function newestNotes(files: readonly { key: string; note: Buffer }[], keys: readonly TrustedKey[]): Map<string, ArchiveShardView['newest']> {
  const newest = new Map<string, ArchiveShardView['newest']>();
  for (const { key, note } of files) {
    const k = parseShardCheckpointKey(key);
    if (!k || (newest.get(k.shard)?.size ?? -1) >= k.size) continue;
    const signed = validNote(note, keys);
    if (!signed || signed.checkpoint.size !== k.size) continue;
    const c = signed.checkpoint;
    newest.set(k.shard, { origin: c.origin, size: c.size, root: Buffer.from(c.root, 'hex'), body: signed.body });
  }
  return newest;
}

/**
 * The witness part of verify: reads the cosigned notes (the archive's
 * cosignatures/ folder and any witness bucket copies), computes the shard
 * roots at the sizes they name, and checks them (witness-check.ts).
 * `assembled` undefined (part of the archive read): only signatures and the
 * newest note's cosignatures are checked, not roots or sizes.
 */
export async function checkArchiveWitnesses(
  source: ArchiveSource,
  shardNotes: { files: readonly { key: string; note: Buffer }[]; keys: readonly TrustedKey[] },
  assembled: ReadonlyMap<string, { length: number; chain: readonly { leaves: Buffer }[] }> | undefined,
  opts: WitnessVerifyOptions,
  blocks: (jobs: BlockJob[]) => Promise<BlockResult[]>,
): Promise<Problem[]> {
  const cosigned = await cosignedNotes(source, opts.dirs);
  const wanted = cosignedSizes(cosigned);
  const shards: ArchiveShardView[] = [];
  for (const [shard, newest] of newestNotes(shardNotes.files, shardNotes.keys)) {
    const a = assembled?.get(shard);
    const length = a ? a.length : Number.MAX_SAFE_INTEGER;
    const sizes = [...(wanted.get(newest.origin) ?? []), newest.size].filter((n) => n <= length);
    const roots = a ? await chainRoots(a.chain).at(sizes, blocks) : new Map<number, string>();
    shards.push({ shard, newest, size: length, rootAt: (n) => (roots.has(n) ? Buffer.from(roots.get(n)!, 'hex') : null) });
  }
  return checkWitnesses({ shards, cosigned, witnesses: opts.witnesses, required: opts.required }).map((p) => ({
    code: p.code,
    message: p.message,
    shard: p.shard,
  }));
}
