import { SHARD_PATTERN } from '../core/layout';
import { ImmutrailError } from '../core/errors';

/**
 * An inclusion proof as a self-contained file: the record's exact canonical
 * line, its place in its shard's tree, the RFC 6962 audit path, and the signed
 * checkpoint whose shard root the path leads to. Checking it needs only the
 * checkpoint's public key (see verifyProofFile and docs/FORMAT.md).
 */
export const PROOF_FORMAT = 'immutrail.inclusion-proof/v1';
const FORMAT_FAMILY = 'immutrail.inclusion-proof/';

export interface InclusionProofFile {
  format: typeof PROOF_FORMAT;
  /** The record's canonical JSON line as archived, without the newline; its leaf is SHA-256(0x00 || UTF-8 bytes). */
  record: string;
  shard: string;
  /** The record's sequence in its shard = its leaf index. */
  seq: number;
  /** Leaves in the shard's tree the path belongs to: the shard's size in the checkpoint. */
  treeSize: number;
  /** PATH(seq, D[treeSize]) of RFC 6962, lower-case hex, from the leaf's sibling up. */
  proof: string[];
  /** The signed checkpoint note, exactly as stored (UTF-8 text). */
  checkpoint: string;
}

export type ProofFileErrorCode = 'NOT_JSON' | 'NOT_A_PROOF' | 'UNSUPPORTED_FORMAT' | 'MALFORMED';

/** A file that cannot be read as an inclusion proof at all (as opposed to one that does not verify). */
export class ProofFileError extends ImmutrailError {
  constructor(
    readonly code: ProofFileErrorCode,
    message: string,
    /** The offending field, for MALFORMED. */
    readonly field?: string,
  ) {
    super(message);
    this.name = 'ProofFileError';
  }
}

const FIELDS = ['format', 'record', 'shard', 'seq', 'treeSize', 'proof', 'checkpoint'] as const;
const HEX_HASH = /^[0-9a-f]{64}$/;
// A tree of at most 2^53 - 1 leaves has paths of at most 53 hashes.
const MAX_PATH = 53;

/** The file's text: fields in a fixed order, two-space indent, final newline. */
export function serializeProofFile(p: Omit<InclusionProofFile, 'format'>): string {
  const ordered: InclusionProofFile = {
    format: PROOF_FORMAT,
    record: p.record,
    shard: p.shard,
    seq: p.seq,
    treeSize: p.treeSize,
    proof: [...p.proof],
    checkpoint: p.checkpoint,
  };
  return JSON.stringify(ordered, null, 2) + '\n';
}

function malformed(field: string, what: string): never {
  throw new ProofFileError('MALFORMED', `field "${field}" ${what}`, field);
}

/**
 * Reads a proof file. Only the shape is checked here; whether the record, the
 * path and the checkpoint agree is verifyProofFile's job, so a tampered but
 * well-formed file parses and then fails verification.
 */
export function parseProofFile(input: string | Buffer): InclusionProofFile {
  const text = typeof input === 'string' ? input : input.toString('utf8');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new ProofFileError('NOT_JSON', `not JSON: ${(err as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new ProofFileError('NOT_A_PROOF', 'not an immutrail inclusion proof (not a JSON object)');
  const o = value as Record<string, unknown>;
  if (typeof o.format !== 'string' || !o.format.startsWith(FORMAT_FAMILY)) {
    throw new ProofFileError('NOT_A_PROOF', `not an immutrail inclusion proof (no "format": "${PROOF_FORMAT}")`);
  }
  if (o.format !== PROOF_FORMAT) throw new ProofFileError('UNSUPPORTED_FORMAT', `format ${o.format} is not supported (this version reads ${PROOF_FORMAT})`);
  for (const k of Object.keys(o)) if (!(FIELDS as readonly string[]).includes(k)) malformed(k, 'is not part of the format');
  for (const k of FIELDS) if (!(k in o)) malformed(k, 'is missing');
  if (typeof o.record !== 'string' || o.record.length === 0 || o.record.includes('\n')) malformed('record', 'must be one non-empty line of text');
  if (typeof o.shard !== 'string' || !SHARD_PATTERN.test(o.shard)) malformed('shard', 'must be a shard id');
  if (typeof o.seq !== 'number' || !Number.isSafeInteger(o.seq) || o.seq < 0) malformed('seq', 'must be a non-negative integer');
  if (typeof o.treeSize !== 'number' || !Number.isSafeInteger(o.treeSize) || o.treeSize < 1) malformed('treeSize', 'must be a positive integer');
  if (!Array.isArray(o.proof) || o.proof.length > MAX_PATH) malformed('proof', `must be an array of at most ${MAX_PATH} hashes`);
  (o.proof as unknown[]).forEach((h, i) => {
    if (typeof h !== 'string' || !HEX_HASH.test(h)) malformed('proof', `entry ${i} must be 64 lower-case hex digits`);
  });
  if (typeof o.checkpoint !== 'string' || o.checkpoint.length === 0) malformed('checkpoint', 'must be the signed checkpoint note text');
  return {
    format: PROOF_FORMAT,
    record: o.record as string,
    shard: o.shard as string,
    seq: o.seq as number,
    treeSize: o.treeSize as number,
    proof: [...(o.proof as string[])],
    checkpoint: o.checkpoint as string,
  };
}
