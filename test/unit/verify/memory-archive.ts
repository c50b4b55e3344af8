import { buildBatch, emptyHead, genesisDraft, type Batch, type ChainHead } from '../../../lib/core/chain';
import { makeCheckpoint, noteHash, trustedKeyFromPem, type SignedCheckpoint, type TrustedKey } from '../../../lib/core/checkpoint';
import { checkpointKey } from '../../../lib/core/layout';
import { LocalSigner } from '../../../lib/core/local-signer';
import { shardState, signCheckpoint } from '../../../lib/seal/seal';
import type { CheckpointNote } from '../../../lib/verify/checkpoint-chain';
import { scanBatch, type ScannedBatch } from '../../../lib/verify/scan-batch';

export const ORIGIN = 'example.test/immutrail';
const T0 = Date.UTC(2026, 0, 1);

/** Coverage drafts: the smallest valid records, with distinct ids. */
export const drafts = (prefix: string, n: number) =>
  Array.from({ length: n }, (_, i) => ({
    kind: 'coverage' as const,
    id: `${prefix}-${i}`,
    data: { logFile: `${prefix}/${i}`, total: 1, archived: 1, recovered: 0, skipped: 0, digestSha256: null },
  }));

/**
 * An archive held in memory for the pure check: batch objects built by the
 * real chain code and checkpoints signed by a local key, one minute apart.
 */
export class MemoryArchive {
  readonly signer = new LocalSigner(ORIGIN);
  readonly keys: TrustedKey[] = [trustedKeyFromPem(ORIGIN, this.signer.publicKeyPem())];
  readonly objects = new Map<string, Buffer>();
  readonly notes: CheckpointNote[] = [];
  #minute = 0;
  #prev: SignedCheckpoint | null = null;

  /** Appends a batch after `head` (a new shard starts with its genesis record) and stores it. */
  append(head: ChainHead | string, ids: string, n: number): Batch {
    const from = typeof head === 'string' ? emptyHead(head) : head;
    const ds = from.seq === -1 ? [genesisDraft(from.shard, ORIGIN), ...drafts(ids, n)] : drafts(ids, n);
    const b = buildBatch(from, ds, new Date(T0 + 60_000 * ++this.#minute));
    this.objects.set(b.key, b.body);
    return b;
  }

  /** Signs a checkpoint over these heads, chained to the previous one, and stores it under its key. */
  async seal(heads: readonly ChainHead[]): Promise<SignedCheckpoint> {
    const c = makeCheckpoint(ORIGIN, heads.map(shardState), this.#prev ? noteHash(this.#prev.note) : null, new Date(T0 + 60_000 * ++this.#minute));
    const signed = await signCheckpoint(this.signer, c);
    this.notes.push({ key: checkpointKey(c.size, c.time, noteHash(signed.note)), note: signed.note });
    this.#prev = signed;
    return signed;
  }

  batches(): ScannedBatch[] {
    return [...this.objects].sort(([a], [b]) => (a < b ? -1 : 1)).map(([key, body]) => scanBatch(key, body) as ScannedBatch);
  }
}
