import type { ChainHead } from '../core/chain';
import {
  assembleNote,
  checkpointBody,
  keyId,
  makeCheckpoint,
  noteHash,
  parseSignedCheckpoint,
  type ShardState,
  type SignedCheckpoint,
} from '../core/checkpoint';
import { Frontier } from '../core/merkle';
import type { Signer } from '../core/signer';

export interface SealDeps {
  store: { shards(): Promise<string[]>; head(shard: string): Promise<ChainHead> };
  checkpoints: {
    /** The newest checkpoint's note, or null before the first seal. */
    latest(): Promise<Buffer | null>;
    /** Stores the note and moves the latest pointer from `prevHash` to it. */
    publish(signed: SignedCheckpoint, prevHash: string | null): Promise<string>;
  };
  signer: Signer;
  origin: string;
  clock?: () => Date;
}

export function shardState(head: ChainHead): ShardState {
  return { shard: head.shard, size: head.seq + 1, root: Frontier.fromJSON(head.frontier).root().toString('hex'), head: head.hash };
}

export async function signCheckpoint(signer: Signer, c: ReturnType<typeof makeCheckpoint>): Promise<SignedCheckpoint> {
  const body = checkpointBody(c);
  const signature = await signer.sign(body);
  const note = assembleNote(body, [{ keyName: signer.keyName, keyId: keyId(signer.keyName, await signer.publicKey()), signature }]);
  return parseSignedCheckpoint(note);
}

/**
 * Writes a signed checkpoint over every shard's current head. It runs on a
 * schedule whether or not anything changed: a fresh checkpoint with the same
 * sizes is what makes a removed tail visible.
 */
export async function seal(deps: SealDeps): Promise<{ signed: SignedCheckpoint; key: string }> {
  const shards = await deps.store.shards();
  const heads = await Promise.all(shards.map((s) => deps.store.head(s)));
  const previous = await deps.checkpoints.latest();
  const prevHash = previous ? noteHash(previous) : null;
  const states = heads.filter((h) => h.seq >= 0).map(shardState);
  const checkpoint = makeCheckpoint(deps.origin, states, prevHash, (deps.clock ?? (() => new Date()))());
  const signed = await signCheckpoint(deps.signer, checkpoint);
  const key = await deps.checkpoints.publish(signed, prevHash);
  return { signed, key };
}
