import { CheckpointError, parseSignedCheckpoint, verifyCheckpoint, type SignedCheckpoint, type TrustedKey } from '../core/checkpoint';
import { checkConsistency, type ConsistencyFailure } from '../core/merkle/consistency';
import type { ConsistencyProofFile, ShardConsistencyProof } from './consistency-file';

/**
 * Why a shard of two checkpoints is not shown consistent. The Merkle reasons
 * come from checkConsistency; the others are about the checkpoints or the file.
 */
export type ShardFailure =
  | ConsistencyFailure
  | 'SHRUNK' // the newer checkpoint has fewer records in the shard
  | 'VANISHED' // the newer checkpoint does not name a shard the older one does
  | 'NO_PROOF' // the file has no proof for a shard both checkpoints name (or the archive could not give one)
  | 'SIZE_MISMATCH'; // the proof's sizes are not the checkpoints' sizes

export interface ShardOutcome {
  shard: string;
  ok: boolean;
  oldSize: number;
  /** null when the shard vanished. */
  newSize: number | null;
  reason: ShardFailure | null;
  message: string;
}

export interface CheckpointOutcome {
  ok: boolean;
  message: string;
  origin: string | null;
  time: string | null;
  size: number | null;
}

export interface ConsistencyReport {
  ok: boolean;
  old: CheckpointOutcome;
  new: CheckpointOutcome;
  /** A problem with the pair itself (another origin), or null. */
  pair: string | null;
  /** Shards of the older checkpoint, sorted by id, then shards the file proves that neither names. */
  shards: ShardOutcome[];
  /** Shards of the older checkpoint that the newer one does not name. */
  vanished: string[];
  /** Shards only the newer checkpoint names (new shards: not a problem). */
  added: string[];
}

function readCheckpoint(note: string, keys: readonly TrustedKey[]): { signed: SignedCheckpoint | null; outcome: CheckpointOutcome } {
  let signed: SignedCheckpoint;
  try {
    signed = parseSignedCheckpoint(Buffer.from(note, 'utf8'));
  } catch (err) {
    if (!(err instanceof CheckpointError)) throw err;
    return { signed: null, outcome: { ok: false, message: `not a valid checkpoint: ${err.message}`, origin: null, time: null, size: null } };
  }
  const c = signed.checkpoint;
  const about = { origin: c.origin, time: c.time, size: c.size };
  try {
    verifyCheckpoint(signed, keys);
  } catch (err) {
    if (!(err instanceof CheckpointError)) throw err;
    return { signed, outcome: { ok: false, message: `the signature does not verify with the trusted key: ${err.message}`, ...about } };
  }
  return { signed, outcome: { ok: true, message: `signed by ${signed.signatures.map((s) => s.keyName).join(', ')}`, ...about } };
}

function checkShard(
  o: { shard: string; size: number; root: string },
  n: { size: number; root: string } | undefined,
  p: ShardConsistencyProof | undefined,
  unproven?: string,
): ShardOutcome {
  const base = { shard: o.shard, oldSize: o.size, newSize: n?.size ?? null };
  const failed = (reason: ShardFailure, message: string): ShardOutcome => ({ ...base, ok: false, reason, message });
  if (!n) return failed('VANISHED', `shard ${o.shard} (${o.size} records) is not in the newer checkpoint`);
  if (n.size < o.size) return failed('SHRUNK', `shard ${o.shard} shrinks from ${o.size} to ${n.size} records`);
  if (!p) return failed('NO_PROOF', unproven ? `no proof: ${unproven}` : `the file has no proof for shard ${o.shard}`);
  if (p.oldSize !== o.size || p.newSize !== n.size) {
    return failed('SIZE_MISMATCH', `the proof is from ${p.oldSize} to ${p.newSize} records, the checkpoints say ${o.size} to ${n.size}`);
  }
  // The sizes come from the signed checkpoints, never from the proof: a proof of one shape can fit several sizes.
  const v = checkConsistency(
    o.size,
    n.size,
    Buffer.from(o.root, 'hex'),
    Buffer.from(n.root, 'hex'),
    p.proof.map((h) => Buffer.from(h, 'hex')),
  );
  if (!v.ok) return failed(v.reason, v.message);
  const grew = n.size === o.size ? 'unchanged' : `${o.size} -> ${n.size} records`;
  return { ...base, ok: true, reason: null, message: `${grew}, proof of ${p.proof.length} hash(es)` };
}

/**
 * Checks a consistency proof with nothing but trusted public keys: both
 * checkpoints verify, they share an origin, no shard of the older one shrinks
 * or vanishes, and for each shard the proof leads from the older signed root
 * to the newer one at the signed sizes. `unproven` names shards an archive
 * could not prove (their failure message says why).
 */
export function verifyConsistencyFile(
  file: ConsistencyProofFile,
  keys: readonly TrustedKey[],
  unproven: ReadonlyMap<string, string> = new Map(),
): ConsistencyReport {
  const old = readCheckpoint(file.old, keys);
  const now = readCheckpoint(file.new, keys);
  const report: ConsistencyReport = { ok: false, old: old.outcome, new: now.outcome, pair: null, shards: [], vanished: [], added: [] };
  if (!old.signed || !now.signed) return report;
  if (old.signed.checkpoint.origin !== now.signed.checkpoint.origin) {
    report.pair = `the checkpoints belong to different logs (origins ${old.signed.checkpoint.origin} and ${now.signed.checkpoint.origin})`;
  }
  const newShards = new Map(now.signed.checkpoint.shards.map((s) => [s.shard, s]));
  const oldNames = new Set(old.signed.checkpoint.shards.map((s) => s.shard));
  const proofs = new Map(file.shards.map((p) => [p.shard, p]));
  for (const o of old.signed.checkpoint.shards) {
    const outcome = checkShard(o, newShards.get(o.shard), proofs.get(o.shard), unproven.get(o.shard));
    report.shards.push(outcome);
    if (outcome.reason === 'VANISHED') report.vanished.push(o.shard);
  }
  // A proof for a shard the pair does not share proves nothing: the file was not made from these checkpoints.
  for (const p of file.shards) {
    if (!oldNames.has(p.shard) || !newShards.has(p.shard)) {
      report.shards.push({
        shard: p.shard,
        ok: false,
        oldSize: p.oldSize,
        newSize: p.newSize,
        reason: 'SIZE_MISMATCH',
        message: `the file proves shard ${p.shard}, which the two checkpoints do not share`,
      });
    }
  }
  if (proofs.size !== file.shards.length) report.pair ??= 'the file has more than one proof for a shard';
  report.added = [...newShards.keys()].filter((s) => !oldNames.has(s));
  report.ok = report.old.ok && report.new.ok && report.pair === null && report.shards.every((s) => s.ok);
  return report;
}
