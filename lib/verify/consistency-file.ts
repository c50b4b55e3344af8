import { SHARD_PATTERN } from '../core/layout';
import { ImmutrailError } from '../core/errors';

/**
 * A consistency proof as a self-contained file: two signed checkpoints of one
 * archive and, for each shard both name, the RFC 6962 proof that the older
 * shard tree is a prefix of the newer one. Checking it needs only the
 * checkpoints' public key(s) (see verifyConsistencyFile and docs/FORMAT.md).
 */
export const CONSISTENCY_FORMAT = 'immutrail.consistency-proof/v1';
const FORMAT_FAMILY = 'immutrail.consistency-proof/';

export interface ShardConsistencyProof {
  shard: string;
  /** The shard's size in the old checkpoint. */
  oldSize: number;
  /** The shard's size in the new checkpoint. */
  newSize: number;
  /** PROOF(oldSize, D[newSize]) of RFC 6962, lower-case hex. */
  proof: string[];
}

export interface ConsistencyProofFile {
  format: typeof CONSISTENCY_FORMAT;
  /** The older signed checkpoint note, exactly as stored (UTF-8 text). */
  old: string;
  /** The newer signed checkpoint note, exactly as stored. */
  new: string;
  /** One entry per shard named by both checkpoints, sorted by shard id (byte order). */
  shards: ShardConsistencyProof[];
}

/** A file that cannot be read as a consistency proof at all (as opposed to one that does not verify). */
export class ConsistencyFileError extends ImmutrailError {
  constructor(
    readonly code: 'NOT_JSON' | 'NOT_A_PROOF' | 'UNSUPPORTED_FORMAT' | 'MALFORMED',
    message: string,
  ) {
    super(message);
    this.name = 'ConsistencyFileError';
  }
}

const FIELDS = ['format', 'old', 'new', 'shards'] as const;
const SHARD_FIELDS = ['shard', 'oldSize', 'newSize', 'proof'] as const;
const HEX_HASH = /^[0-9a-f]{64}$/;
// PROOF(m, D[n]) for n < 2^53 has at most about 2 log2(n) hashes.
const MAX_PROOF = 106;

/** The file's text: members in a fixed order, two-space indent, final newline. */
export function serializeConsistencyFile(p: Omit<ConsistencyProofFile, 'format'>): string {
  const ordered: ConsistencyProofFile = {
    format: CONSISTENCY_FORMAT,
    old: p.old,
    new: p.new,
    shards: p.shards.map((s) => ({ shard: s.shard, oldSize: s.oldSize, newSize: s.newSize, proof: [...s.proof] })),
  };
  return JSON.stringify(ordered, null, 2) + '\n';
}

function malformed(where: string, what: string): never {
  throw new ConsistencyFileError('MALFORMED', `${where} ${what}`);
}

const isCount = (x: unknown): x is number => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;

function parseShard(x: unknown, i: number): ShardConsistencyProof {
  const where = `shards[${i}]`;
  if (typeof x !== 'object' || x === null || Array.isArray(x)) malformed(where, 'must be an object');
  const o = x as Record<string, unknown>;
  for (const k of Object.keys(o)) if (!(SHARD_FIELDS as readonly string[]).includes(k)) malformed(`${where}.${k}`, 'is not part of the format');
  for (const k of SHARD_FIELDS) if (!(k in o)) malformed(`${where}.${k}`, 'is missing');
  if (typeof o.shard !== 'string' || !SHARD_PATTERN.test(o.shard)) malformed(`${where}.shard`, 'must be a shard id');
  if (!isCount(o.oldSize)) malformed(`${where}.oldSize`, 'must be a non-negative integer');
  if (!isCount(o.newSize)) malformed(`${where}.newSize`, 'must be a non-negative integer');
  if (!Array.isArray(o.proof) || o.proof.length > MAX_PROOF) malformed(`${where}.proof`, `must be an array of at most ${MAX_PROOF} hashes`);
  (o.proof as unknown[]).forEach((h, j) => {
    if (typeof h !== 'string' || !HEX_HASH.test(h)) malformed(`${where}.proof[${j}]`, 'must be 64 lower-case hex digits');
  });
  return { shard: o.shard as string, oldSize: o.oldSize as number, newSize: o.newSize as number, proof: [...(o.proof as string[])] };
}

/**
 * Reads a consistency proof file. Only the shape is checked here: whether the
 * checkpoints verify and the proofs lead from one root to the other is
 * verifyConsistencyFile's job, so a tampered but well-formed file parses and
 * then fails verification.
 */
export function parseConsistencyFile(input: string | Buffer): ConsistencyProofFile {
  const text = typeof input === 'string' ? input : input.toString('utf8');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new ConsistencyFileError('NOT_JSON', `not JSON: ${(err as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new ConsistencyFileError('NOT_A_PROOF', 'not an immutrail consistency proof (not a JSON object)');
  const o = value as Record<string, unknown>;
  if (typeof o.format !== 'string' || !o.format.startsWith(FORMAT_FAMILY)) {
    throw new ConsistencyFileError('NOT_A_PROOF', `not an immutrail consistency proof (no "format": "${CONSISTENCY_FORMAT}")`);
  }
  if (o.format !== CONSISTENCY_FORMAT)
    throw new ConsistencyFileError('UNSUPPORTED_FORMAT', `format ${o.format} is not supported (this version reads ${CONSISTENCY_FORMAT})`);
  for (const k of Object.keys(o)) if (!(FIELDS as readonly string[]).includes(k)) malformed(`field "${k}"`, 'is not part of the format');
  for (const k of FIELDS) if (!(k in o)) malformed(`field "${k}"`, 'is missing');
  if (typeof o.old !== 'string' || o.old.length === 0) malformed('field "old"', 'must be the older signed checkpoint note text');
  if (typeof o.new !== 'string' || o.new.length === 0) malformed('field "new"', 'must be the newer signed checkpoint note text');
  if (!Array.isArray(o.shards)) malformed('field "shards"', 'must be an array');
  const shards = (o.shards as unknown[]).map(parseShard);
  return { format: CONSISTENCY_FORMAT, old: o.old as string, new: o.new as string, shards };
}
