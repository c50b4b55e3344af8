/**
 * Item keys of the single DynamoDB table (partition key `pk`, sort key `sk`).
 * Access patterns (docs/DESIGN.md, "Index"):
 *   head#<shard> / head                      -> chain head of a shard (CAS target)
 *   ids#<shard>#<hour> / <firstSeq>          -> id set: digests of the record ids one commit claimed in one hour (exactly once)
 *   id#<record id> / id                      -> where a record lives (written by versions before the id sets; read by prove only)
 *   batch#<shard> / <firstSeq>               -> committed batch: object key, sequence range, leaf hashes
 *   att#<subject> / <keyId>#<signedAt>       -> attestations of an image digest or AMI
 *   supp#<fingerprint> / supp                -> alert suppression window
 *   outbox#batch#<shard> / <firstSeq>        -> the alerts of one committed batch, until published
 *   outbox#digest#<fingerprint> / <windowEnd> -> repeats held back in one suppression window, until its digest is published
 *   ckpt / latest                            -> the latest checkpoint
 *   shards / <shard>                         -> one item per shard (written with its genesis)
 * Outbox items carry `outbox` ("pending" for batches, "digest" for digests) and so appear in
 * the sparse GSI "outbox"; they are deleted once published.
 */
export const K = {
  head: (shard: string) => ({ pk: `head#${shard}`, sk: 'head' }),
  id: (id: string) => ({ pk: `id#${id}`, sk: 'id' }),
  idSetPk: (shard: string, hour: string) => `ids#${shard}#${hour}`,
  idSet: (shard: string, hour: string, firstSeq: number) => ({ pk: `ids#${shard}#${hour}`, sk: String(firstSeq).padStart(16, '0') }),
  batch: (shard: string, firstSeq: number) => ({ pk: `batch#${shard}`, sk: String(firstSeq).padStart(16, '0') }),
  batchPk: (shard: string) => `batch#${shard}`,
  attestation: (subject: string) => `att#${subject}`,
  suppression: (fingerprint: string) => ({ pk: `supp#${fingerprint}`, sk: 'supp' }),
  outboxBatch: (shard: string, firstSeq: number) => ({ pk: `outbox#batch#${shard}`, sk: String(firstSeq).padStart(16, '0') }),
  /** The window is known by when it ends (ISO 8601), so the sweep finds due digests with one range query. */
  outboxDigest: (fingerprint: string, windowEnd: string) => ({ pk: `outbox#digest#${fingerprint}`, sk: windowEnd }),
  latestCheckpoint: { pk: 'ckpt', sk: 'latest' },
  shardsPk: 'shards',
  shard: (shard: string) => ({ pk: 'shards', sk: shard }),
} as const;

export const OUTBOX_INDEX = 'outbox';
/** Partition key prefix of every outbox item (batches and digests), the only items a role may delete. */
export const OUTBOX_PK_PREFIX = 'outbox#';
/** The `outbox` value of digest items in the outbox index (batches use OUTBOX_PENDING). */
export const OUTBOX_DIGEST = 'digest';
