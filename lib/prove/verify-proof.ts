import { canonicalBytes } from '../core/canonical';
import { CheckpointError, parseSignedCheckpoint, verifyCheckpoint, type SignedCheckpoint, type TrustedKey } from '../core/checkpoint';
import type { JsonValue } from '../core/json';
import { leafHash, verifyInclusion } from '../core/merkle';
import { parseJson } from '../core/parse-json';
import { FORMAT_VERSION } from '../core/record';
import type { InclusionProofFile } from './proof-file';
import { summarizeRecord, type RecordSummary } from './record-summary';

/** The checks, in the order they run. */
export type ProofCheck = 'record' | 'header' | 'signature' | 'inclusion';

export interface CheckOutcome {
  check: ProofCheck;
  /** skip: an earlier failure left nothing to check. */
  status: 'pass' | 'fail' | 'skip';
  message: string;
}

export interface ProofVerdict {
  ok: boolean;
  /** The first check that failed; null when valid. */
  failed: ProofCheck | null;
  checks: CheckOutcome[];
  /** What the record says (present whenever the record line is JSON, valid or not). */
  summary: RecordSummary | null;
  /** SHA-256(0x00 || record line), hex. */
  leafHash: string;
  /** The checkpoint, when it parses. */
  checkpoint: { origin: string; time: string; signer: string | null; shardSize: number | null; shardRoot: string | null } | null;
}

/** The record line must be a canonical immutrail record: only then is its hash the one the chain committed to. */
function checkRecord(line: string): { record: JsonValue | null; outcome: CheckOutcome } {
  let record: JsonValue;
  try {
    record = parseJson(line);
  } catch (err) {
    return { record: null, outcome: { check: 'record', status: 'fail', message: `the record is not JSON: ${(err as Error).message}` } };
  }
  const chain = (record as { chain?: { v?: unknown } } | null)?.chain;
  if (typeof record !== 'object' || record === null || Array.isArray(record) || typeof chain !== 'object' || chain === null) {
    return { record, outcome: { check: 'record', status: 'fail', message: 'the record has no chain header' } };
  }
  if (chain.v !== FORMAT_VERSION)
    return { record, outcome: { check: 'record', status: 'fail', message: `the record's format version is ${String(chain.v)}, not ${FORMAT_VERSION}` } };
  let canonical: Buffer;
  try {
    canonical = canonicalBytes(record);
  } catch (err) {
    return { record, outcome: { check: 'record', status: 'fail', message: `the record cannot be canonicalized: ${(err as Error).message}` } };
  }
  if (!canonical.equals(Buffer.from(line, 'utf8'))) {
    return {
      record,
      outcome: { check: 'record', status: 'fail', message: 'the record line is not in canonical form (RFC 8785), so it is not the line that was hashed' },
    };
  }
  return { record, outcome: { check: 'record', status: 'pass', message: 'the record is a canonical immutrail record' } };
}

function checkHeader(record: JsonValue | null, proof: InclusionProofFile): CheckOutcome {
  const chain = (record as { chain?: { shard?: unknown; seq?: unknown } } | null)?.chain;
  if (!chain) return { check: 'header', status: 'skip', message: 'no record header to check' };
  if (chain.shard !== proof.shard || chain.seq !== proof.seq) {
    return {
      check: 'header',
      status: 'fail',
      message: `the record says shard ${String(chain.shard)} seq ${String(chain.seq)}, the proof is for shard ${proof.shard} seq ${proof.seq}`,
    };
  }
  return { check: 'header', status: 'pass', message: `the record is seq ${proof.seq} of shard ${proof.shard}` };
}

/**
 * Checks an inclusion proof with nothing but trusted public keys: the record
 * line hashes to the leaf, its chain header names the proven position, the
 * checkpoint's signature verifies, and the path leads from the leaf to the
 * shard root that checkpoint signed, at the size it signed.
 */
export function verifyProofFile(proof: InclusionProofFile, keys: readonly TrustedKey[]): ProofVerdict {
  const leaf = leafHash(Buffer.from(proof.record, 'utf8'));
  const { record, outcome: recordOutcome } = checkRecord(proof.record);
  const checks: CheckOutcome[] = [recordOutcome, checkHeader(record, proof)];

  let signed: SignedCheckpoint | null = null;
  try {
    signed = parseSignedCheckpoint(Buffer.from(proof.checkpoint, 'utf8'));
    verifyCheckpoint(signed, keys);
    checks.push({ check: 'signature', status: 'pass', message: `checkpoint signed by ${signed.signatures.map((s) => s.keyName).join(', ')}` });
  } catch (err) {
    if (!(err instanceof CheckpointError)) throw err;
    const what =
      err.code === 'MALFORMED' || err.code === 'INCONSISTENT' ? 'the checkpoint is not valid' : 'the checkpoint signature does not verify with the trusted key';
    checks.push({ check: 'signature', status: 'fail', message: `${what}: ${err.message}` });
  }

  const state = signed?.checkpoint.shards.find((s) => s.shard === proof.shard);
  if (!signed) checks.push({ check: 'inclusion', status: 'skip', message: 'no checkpoint to check the path against' });
  else if (!state) checks.push({ check: 'inclusion', status: 'fail', message: `the checkpoint has no shard ${proof.shard}` });
  else if (state.size !== proof.treeSize) {
    checks.push({
      check: 'inclusion',
      status: 'fail',
      message: `the proof is for a tree of ${proof.treeSize} records, the checkpoint signed ${state.size} for shard ${proof.shard}`,
    });
  } else if (
    !verifyInclusion(
      proof.seq,
      proof.treeSize,
      leaf,
      proof.proof.map((h) => Buffer.from(h, 'hex')),
      Buffer.from(state.root, 'hex'),
    )
  ) {
    checks.push({
      check: 'inclusion',
      status: 'fail',
      message: `the path does not lead from this record at seq ${proof.seq} to the signed root of shard ${proof.shard}`,
    });
  } else {
    checks.push({
      check: 'inclusion',
      status: 'pass',
      message: `the path of ${proof.proof.length} hashes leads to the signed root of shard ${proof.shard} (${state.size} records)`,
    });
  }

  const failed = checks.find((c) => c.status !== 'pass')?.check ?? null;
  return {
    ok: failed === null,
    failed,
    checks,
    summary: record === null ? null : summarizeRecord(record),
    leafHash: leaf.toString('hex'),
    checkpoint: signed
      ? {
          origin: signed.checkpoint.origin,
          time: signed.checkpoint.time,
          signer: signed.signatures[0]?.keyName ?? null,
          shardSize: state?.size ?? null,
          shardRoot: state?.root ?? null,
        }
      : null,
  };
}
