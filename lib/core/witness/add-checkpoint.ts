import { HASH_SIZE } from '../merkle';

/**
 * A C2SP tlog-witness add-checkpoint request body:
 *   "old <size>\n", zero to 63 base64 consistency-proof lines, an empty line,
 *   then the signed checkpoint note.
 * The seal writes one beside each shard note; the witness reads them from S3
 * instead of receiving them over HTTP, but the bytes are the protocol's.
 */
export interface AddCheckpoint {
  oldSize: number;
  proof: Buffer[];
  /** The signed note, exactly as it followed the empty line. */
  note: Buffer;
}

const MAX_PROOF_LINES = 63;
const DECIMAL = /^(0|[1-9][0-9]*)$/;
const BASE64_HASH = /^[A-Za-z0-9+/]{43}=$/;

/** Parses a request body; a string says what is wrong with it. */
export function parseAddCheckpoint(bytes: Uint8Array): AddCheckpoint | string {
  const text = Buffer.from(bytes).toString('utf8');
  const blank = text.indexOf('\n\n');
  if (blank < 0) return 'no empty line between the proof and the checkpoint';
  const head = text.slice(0, blank).split('\n');
  const old = /^old (.*)$/.exec(head[0]!);
  if (!old || !DECIMAL.test(old[1]!) || !Number.isSafeInteger(Number(old[1]))) return `the first line is not "old <size>": ${JSON.stringify(head[0])}`;
  const lines = head.slice(1);
  if (lines.length > MAX_PROOF_LINES) return `${lines.length} proof lines, at most ${MAX_PROOF_LINES} are allowed`;
  const bad = lines.findIndex((l) => !BASE64_HASH.test(l));
  if (bad >= 0) return `proof line ${bad + 1} is not a base64 ${HASH_SIZE}-byte hash`;
  const note = Buffer.from(text.slice(blank + 2), 'utf8');
  if (note.length === 0) return 'the checkpoint is missing';
  return { oldSize: Number(old[1]), proof: lines.map((l) => Buffer.from(l, 'base64')), note };
}

export function formatAddCheckpoint(req: AddCheckpoint): Buffer {
  const lines = [`old ${req.oldSize}`, ...req.proof.map((h) => Buffer.from(h).toString('base64')), ''];
  return Buffer.concat([Buffer.from(lines.join('\n') + '\n', 'utf8'), req.note]);
}
