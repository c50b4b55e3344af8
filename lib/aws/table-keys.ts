/**
 * Item keys of the single DynamoDB table (partition key `pk`, sort key `sk`).
 * Access patterns (docs/DESIGN.md, "Index"):
 *   head#<shard> / head                      -> chain head of a shard (CAS target)
 *   id#<record id> / id                      -> where a record lives (exactly-once key)
 *   batch#<shard> / <firstSeq>               -> committed batch: object key, sequence range, leaf hashes
 *   tile#<shard> / <level>#<index>           -> Merkle subtree roots written by the seal (for short proofs)
 *   res#<resource id> / <time>#<shard>#<seq> -> timeline of a resource
 *   actor#<principal> / <time>#<shard>#<seq> -> timeline of a principal
 *   att#<subject> / <keyId>#<signedAt>       -> attestations of an image digest or AMI
 *   supp#<fingerprint> / supp                -> alert suppression window
 *   outbox#batch#<shard> / <firstSeq>        -> the alerts of one committed batch, until published
 *   ckpt / latest                            -> the latest checkpoint
 *   shards / <shard>                         -> one item per shard (written with its genesis)
 * Outbox items carry `outbox` and so appear in the sparse GSI "outbox"; they are deleted once published.
 */
export const K = {
  head: (shard: string) => ({ pk: `head#${shard}`, sk: 'head' }),
  id: (id: string) => ({ pk: `id#${id}`, sk: 'id' }),
  batch: (shard: string, firstSeq: number) => ({ pk: `batch#${shard}`, sk: String(firstSeq).padStart(16, '0') }),
  batchPk: (shard: string) => `batch#${shard}`,
  timelineSk: (time: string, shard: string, seq: number) => `${time}#${shard}#${String(seq).padStart(16, '0')}`,
  resource: (resourceId: string) => `res#${resourceId}`,
  actor: (principal: string) => `actor#${principal}`,
  attestation: (subject: string) => `att#${subject}`,
  suppression: (fingerprint: string) => ({ pk: `supp#${fingerprint}`, sk: 'supp' }),
  outboxBatch: (shard: string, firstSeq: number) => ({ pk: `outbox#batch#${shard}`, sk: String(firstSeq).padStart(16, '0') }),
  latestCheckpoint: { pk: 'ckpt', sk: 'latest' },
  shardsPk: 'shards',
  shard: (shard: string) => ({ pk: 'shards', sk: shard }),
} as const;

export const OUTBOX_INDEX = 'outbox';
