/** Each way an archive can fail verification. Codes are stable: scripts may match on them. */
export type ProblemCode =
  | 'UNREADABLE' // an object could not be read
  | 'PARSE' // a line is not a record
  | 'HEADER' // a record's chain header is not the seven members of FORMAT.md 2.2 (v 1, kind, time form, non-empty id)
  | 'KEY_MISMATCH' // the object's key does not describe its contents (shard, sequence range, batch id)
  | 'SHARD_MISMATCH' // a record names another shard than the object it sits in
  | 'SEQUENCE' // sequence numbers inside an object do not run 1 by 1
  | 'LINK' // a record's prev is not the hash of the record before it
  | 'GAP' // no object continues the chain at this sequence
  | 'UNLINKED_OBJECT' // an object that links to nothing on the chain
  | 'FOREIGN_OBJECT' // an object under records/ whose key is not a batch key
  | 'GENESIS' // a shard does not start with its genesis record
  | 'GENESIS_ORIGIN' // a genesis record's data.origin is not the archive's origin
  | 'CHECKPOINT_MALFORMED'
  | 'CHECKPOINT_SIGNATURE'
  | 'CHECKPOINT_CHAIN' // a checkpoint's prev does not name the checkpoint before it
  | 'CHECKPOINT_TIME' // a checkpoint's time is earlier than that of the checkpoint its prev names
  | 'CHECKPOINT_MISMATCH' // a checkpoint's shard root or head differs from the archive's
  | 'TRUNCATED' // the archive holds fewer records than a checkpoint committed to
  | 'HEAD_MISMATCH' // the live head in the index is not the end of the archive's chain
  | 'ROLLBACK' // the archive or newest checkpoint is not an extension of the trusted checkpoint (or the archive holds no checkpoint to show it)
  | 'SEAL_GAP' // with a maximum seal gap: the newest checkpoint is older than the newest record by more than the gap
  | 'DUPLICATE_ID' // one id committed twice
  | 'WITNESS_MISSING' // (witnesses) the newest checkpoint has fewer valid cosignatures by the trusted witness keys than required
  | 'WITNESS_SIGNATURE' // (witnesses) a cosignature line by a trusted witness key does not verify
  | 'WITNESS_FORK'; // (witnesses) a witness cosigned a checkpoint that this archive's checkpoints do not extend

/** Findings that do not mean tampering. */
export type NoticeCode = 'ORPHAN' | 'UNSEALED' | 'UNRESOLVED_FORK' | 'NO_CHECKPOINT' | 'SHARD_NOTE_MISSING'; // SHARD_NOTE_MISSING: an archive-wide checkpoint's shard size has no shard checkpoint (FORMAT.md 4.1)

export interface Problem {
  code: ProblemCode;
  message: string;
  key?: string;
  shard?: string;
  seq?: number;
}

export interface Notice {
  code: NoticeCode;
  message: string;
  key?: string;
  shard?: string;
}
