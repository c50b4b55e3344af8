import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CheckpointError } from '../core/checkpoint';
import { NoteError } from '../core/note/errors';
import { parseShardCheckpoint } from '../core/shard-checkpoint';
import { checkCosignature, cosignatureKeyId, type Cosigner } from '../core/witness/cosignature';
import type { ArchiveSource } from '../core/archive-source';
import type { VerifyReport } from '../verify/verify-archive';
import { COSIGNATURES_PREFIX } from '../core/layout';
import type { WitnessVerifyOptions } from '../verify/witness-archive';
import type { WitnessSummary } from './types';

/** The verifier's problems that come from the witness check (verify/witness-check.ts). */
const WITNESS_CODES = new Set<string>(['WITNESS_MISSING', 'WITNESS_SIGNATURE', 'ROLLBACK', 'WITNESS_FORK']);

async function cosignedNotes(source: ArchiveSource, dirs: readonly string[]): Promise<Buffer[]> {
  const notes: Buffer[] = [];
  for await (const o of source.list(COSIGNATURES_PREFIX)) if (o.key.endsWith('.note')) notes.push(await source.get(o.key));
  for (const dir of dirs) {
    for (const p of readdirSync(dir, { recursive: true }).map(String)) if (p.endsWith('.note')) notes.push(readFileSync(join(dir, p)));
  }
  return notes;
}

function parsed(note: Buffer) {
  try {
    return parseShardCheckpoint(note);
  } catch (err) {
    if (err instanceof CheckpointError || err instanceof NoteError) return null;
    throw err;
  }
}

/**
 * The archive's shard a cosigned note is about: its origin is `<archive origin>/<shard>`
 * (FORMAT.md 4.1); without the archive's origin, any origin ending in one of the archive's shards.
 */
function shardOf(origin: string, archive: { origin?: string; shards: ReadonlySet<string> }): string | null {
  const cut = origin.lastIndexOf('/');
  const shard = origin.slice(cut + 1);
  if (cut < 0 || !archive.shards.has(shard)) return null;
  return archive.origin === undefined || origin.slice(0, cut) === archive.origin ? shard : null;
}

/** Per shard, the largest size this witness validly cosigned. */
function newestCosigned(notes: readonly Buffer[], w: Cosigner, archive: { origin?: string; shards: ReadonlySet<string> }): Map<string, number> {
  const sizes = new Map<string, number>();
  for (const note of notes) {
    const signed = parsed(note);
    const shard = signed ? shardOf(signed.checkpoint.origin, archive) : null;
    if (!signed || !shard) continue;
    if (!signed.signatures.some((sig) => typeof checkCosignature(signed.body, sig, w) === 'object')) continue;
    sizes.set(shard, Math.max(sizes.get(shard) ?? 0, signed.checkpoint.size));
  }
  return sizes;
}

/**
 * What Scope says about each witness the report was given: the shard sizes it
 * cosigned (the archive's cosignatures/ copies and any witness bucket copies),
 * and whether the verifier's witness check, run with these witnesses, passed.
 * Only valid cosignatures count; invalid ones are the verifier's to report.
 */
export async function summarizeWitnesses(
  source: ArchiveSource,
  opts: WitnessVerifyOptions,
  verify: VerifyReport,
  archiveOrigin?: string,
): Promise<WitnessSummary[]> {
  const notes = await cosignedNotes(source, opts.dirs);
  const archive = { origin: archiveOrigin, shards: new Set(verify.shards.map((s) => s.shard)) };
  const passed = !verify.problems.some((p) => WITNESS_CODES.has(p.code));
  return opts.witnesses.map((w) => {
    const sizes = newestCosigned(notes, w, archive);
    return {
      name: w.name,
      keyId: cosignatureKeyId(w.name, w.publicRaw).toString('hex'),
      shards: [...sizes].sort(([a], [b]) => (a < b ? -1 : 1)).map(([shard, size]) => ({ shard, size })),
      required: opts.required,
      passed,
    };
  });
}
