import { createPublicKey } from 'node:crypto';
import { CheckpointError } from '../core/checkpoint';
import { NoteError } from '../core/note/errors';
import { parseShardCheckpoint, type SignedShardCheckpoint } from '../core/shard-checkpoint';
import { checkCosignature, cosignerOf, parseCosignerVkey, type Cosigner } from '../core/witness/cosignature';
import { WitnessError } from '../core/witness/errors';

/**
 * What witnesses' cosignatures say about an archive (pure: the caller reads
 * the files). A witness cosigns a shard checkpoint only when it extends the
 * last one it cosigned, so:
 * - the newest shard note needs `required` valid cosignatures by distinct
 *   trusted witnesses, or it was never shown to them (WITNESS_MISSING: a
 *   history re-signed with the archive key, a split view);
 * - a cosigned size larger than the archive's shard means the archive was
 *   cut back after the witness saw it (ROLLBACK);
 * - a cosigned root that differs from the archive's root at that size means
 *   the witness saw another history (WITNESS_FORK);
 * - a cosignature by a trusted key that does not verify is WITNESS_SIGNATURE.
 */
export type WitnessProblemCode = 'WITNESS_MISSING' | 'WITNESS_SIGNATURE' | 'ROLLBACK' | 'WITNESS_FORK';

export interface WitnessProblem {
  code: WitnessProblemCode;
  shard: string;
  message: string;
}

/** The archive as the verifier rebuilt it. */
export interface ArchiveShardView {
  shard: string;
  /** The shard's newest checkpoint text (origin, size, root), as signed by the archive. */
  newest: { origin: string; size: number; root: Buffer; body: Buffer };
  /** Leaves the archive holds for the shard. */
  size: number;
  /** The RFC 6962 root of the shard's first `size` leaves (size <= this.size); null when not computed (only part of the archive was read). */
  rootAt(size: number): Buffer | null;
}

export interface WitnessCheckInput {
  shards: readonly ArchiveShardView[];
  /** Cosigned notes found (the archive's cosignatures/ folder, copies of witness buckets), with where each came from. */
  cosigned: readonly { source: string; note: Buffer }[];
  witnesses: readonly Cosigner[];
  required: number;
}

/** A trusted witness from a file: a C2SP vkey ("name+id+key"), or a PEM, whose key name must then be given. */
export function trustedWitness(text: string, nameForPem?: string): Cosigner {
  if (!text.includes('-----BEGIN')) return parseCosignerVkey(text);
  if (!nameForPem) throw new WitnessError('WITNESS_KEY', 'a PEM witness key needs its key name (NAME=FILE), or use its .vkey file');
  return cosignerOf(nameForPem, createPublicKey(text));
}

interface Cosigned {
  witness: string;
  source: string;
  checkpoint: SignedShardCheckpoint['checkpoint'];
  body: Buffer;
}

function parseCosigned(note: Buffer): SignedShardCheckpoint | null {
  try {
    return parseShardCheckpoint(note);
  } catch (err) {
    if (err instanceof CheckpointError || err instanceof NoteError) return null;
    throw err;
  }
}

/** Valid cosignatures by trusted witnesses on notes of this archive's shards; invalid ones become problems. */
function collect(input: WitnessCheckInput, byOrigin: Map<string, ArchiveShardView>, problems: WitnessProblem[]): Cosigned[] {
  const found: Cosigned[] = [];
  for (const { source, note } of input.cosigned) {
    const signed = parseCosigned(note);
    const shard = signed ? byOrigin.get(signed.checkpoint.origin) : undefined;
    if (!signed || !shard) continue;
    for (const sig of signed.signatures) {
      for (const w of input.witnesses) {
        const verdict = checkCosignature(signed.body, sig, w);
        if (verdict === 'invalid')
          problems.push({ code: 'WITNESS_SIGNATURE', shard: shard.shard, message: `${source}: the cosignature by ${w.name} does not verify` });
        else if (verdict !== 'other') found.push({ witness: w.name, source, checkpoint: signed.checkpoint, body: signed.body });
      }
    }
  }
  return found;
}

/** What one cosignature says against the archive: a size it no longer holds, or another root at that size. */
function contradiction(c: Cosigned, shard: ArchiveShardView): WitnessProblem | null {
  const { size, root } = c.checkpoint;
  if (size > shard.size) {
    return {
      code: 'ROLLBACK',
      shard: shard.shard,
      message: `${c.witness} cosigned ${size} records (${c.source}), the archive holds ${shard.size}: it was rolled back`,
    };
  }
  const ours = shard.rootAt(size);
  if (ours !== null && !ours.equals(Buffer.from(root, 'hex'))) {
    return {
      code: 'WITNESS_FORK',
      shard: shard.shard,
      message: `${c.witness} cosigned another tree at size ${size} (${c.source}): the archive is not the history the witness saw`,
    };
  }
  return null;
}

export function checkWitnesses(input: WitnessCheckInput): WitnessProblem[] {
  const problems: WitnessProblem[] = [];
  const byOrigin = new Map(input.shards.map((s) => [s.newest.origin, s]));
  const found = unique(collect(input, byOrigin, problems));
  for (const c of found) {
    const p = contradiction(c, byOrigin.get(c.checkpoint.origin)!);
    if (p) problems.push(p);
  }
  for (const s of input.shards) {
    const on = new Set(found.filter((c) => c.body.equals(s.newest.body)).map((c) => c.witness));
    if (on.size < input.required) {
      problems.push({
        code: 'WITNESS_MISSING',
        shard: s.shard,
        message: `the newest checkpoint of ${s.shard} (size ${s.newest.size}) has ${on.size} valid cosignature(s) by trusted witnesses, ${input.required} required`,
      });
    }
  }
  return problems;
}

/** The same cosignature found in two places (the archive's copy, the witness's bucket) counts once. */
function unique(found: Cosigned[]): Cosigned[] {
  const seen = new Set<string>();
  return found.filter((c) => {
    const k = `${c.witness}\n${c.body.toString('utf8')}`;
    return seen.has(k) ? false : (seen.add(k), true);
  });
}
