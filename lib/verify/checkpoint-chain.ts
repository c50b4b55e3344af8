import { CheckpointError, noteHash, parseSignedCheckpoint, verifyCheckpoint, type SignedCheckpoint, type TrustedKey } from '../core/checkpoint';
import { checkpointKey } from '../core/layout';
import type { Notice, Problem } from './problems';

/** One stored checkpoint: its key under checkpoints/ and the whole note. */
export interface CheckpointNote {
  key: string;
  note: Buffer;
}

export interface CheckedCheckpoints {
  /** Notes looked at, valid or not. */
  count: number;
  /** Notes that parse and carry a valid signature by a trusted key, oldest first (size, then time). */
  valid: SignedCheckpoint[];
  problems: Problem[];
  notices: Notice[];
}

/** Step 1 of FORMAT.md section 5, with no I/O: parses and verifies every note, then checks the checkpoint chain. */
export function checkCheckpoints(notes: readonly CheckpointNote[], keys: readonly TrustedKey[]): CheckedCheckpoints {
  const problems: Problem[] = [];
  const notices: Notice[] = [];
  const valid: SignedCheckpoint[] = [];
  for (const { key, note } of notes) {
    try {
      const signed = parseSignedCheckpoint(note);
      verifyCheckpoint(signed, keys);
      valid.push(signed);
      checkKeyName(key, signed, problems);
    } catch (err) {
      if (!(err instanceof CheckpointError)) throw err;
      problems.push({
        code: err.code === 'BAD_SIGNATURE' || err.code === 'UNKNOWN_KEY' ? 'CHECKPOINT_SIGNATURE' : 'CHECKPOINT_MALFORMED',
        message: `checkpoint ${key}: ${err.message}`,
        key,
      });
    }
  }
  valid.sort((a, b) => a.checkpoint.size - b.checkpoint.size || (a.checkpoint.time < b.checkpoint.time ? -1 : 1));
  checkChain(valid, problems, notices);
  return { count: notes.length, valid, problems, notices };
}

/**
 * A checkpoint's key names its size, time and hash (FORMAT.md 4): another name
 * means the object was copied or renamed. Its signed content still counts, so
 * that one misnamed note does not also read as a broken chain.
 */
function checkKeyName(key: string, signed: SignedCheckpoint, problems: Problem[]): void {
  const expected = checkpointKey(signed.checkpoint.size, signed.checkpoint.time, noteHash(signed.note));
  if (key !== expected)
    problems.push({
      code: 'CHECKPOINT_MALFORMED',
      message: `checkpoint ${key}: the key does not name the note's size, time and hash (expected ${expected})`,
      key,
    });
}

/**
 * The checkpoint chain runs back from the newest through `prev`. A signed
 * checkpoint off that chain is a seal that lost its race (benign; its roots are
 * still checked against the records); a `prev` naming a missing note means a
 * checkpoint was removed.
 */
function checkChain(valid: readonly SignedCheckpoint[], problems: Problem[], notices: Notice[]): void {
  const byHash = new Map(valid.map((c) => [noteHash(c.note), c]));
  const onChain = new Set<SignedCheckpoint>();
  for (let c = valid.at(-1); c;) {
    onChain.add(c);
    const prev = c.checkpoint.prev;
    if (prev === null) break;
    const before = byHash.get(prev);
    if (!before || onChain.has(before)) {
      problems.push({
        code: 'CHECKPOINT_CHAIN',
        message: `checkpoint of ${c.checkpoint.time} (size ${c.checkpoint.size}) names a previous checkpoint that is not in the archive`,
      });
      break;
    }
    checkSuccession(before, c, problems);
    c = before;
  }
  for (const c of valid) {
    if (onChain.has(c)) continue;
    notices.push({ code: 'ORPHAN', message: `checkpoint of ${c.checkpoint.time} (size ${c.checkpoint.size}) is signed but not on the checkpoint chain` });
    // An orphan checkpoint follows the same rules against the checkpoint its prev names, when that one is present.
    const before = c.checkpoint.prev === null ? undefined : byHash.get(c.checkpoint.prev);
    if (before) checkSuccession(before, c, problems);
  }
}

/** What a checkpoint owes the one its prev names: no shard shrinks or disappears, and time does not go backwards. */
function checkSuccession(before: SignedCheckpoint, c: SignedCheckpoint, problems: Problem[]): void {
  for (const s of before.checkpoint.shards) {
    const now = c.checkpoint.shards.find((x) => x.shard === s.shard);
    if (!now || now.size < s.size) {
      problems.push({ code: 'ROLLBACK', message: `checkpoint of ${c.checkpoint.time} shrinks shard ${s.shard} below ${s.size} records`, shard: s.shard });
    }
  }
  // Times are ISO 8601 UTC with milliseconds, one fixed width: string order is time order.
  if (c.checkpoint.time < before.checkpoint.time) {
    problems.push({
      code: 'CHECKPOINT_TIME',
      message: `checkpoint of ${c.checkpoint.time} (size ${c.checkpoint.size}) is dated before the checkpoint its prev names (${before.checkpoint.time})`,
    });
  }
}
