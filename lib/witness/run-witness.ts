import { createPublicKey } from 'node:crypto';
import { cosignerVkey } from '../core/witness/cosignature';
import { processShard, type ShardOutcome } from './process-shard';
import type { WitnessDeps } from './witness-deps';

/**
 * One scheduled run: publish the witness's public key (once), then each
 * shard in turn. Shards are independent logs; one refused shard does not
 * stop the others.
 */
export async function runWitness(deps: WitnessDeps): Promise<ShardOutcome[]> {
  const pem = createPublicKey(deps.key.privateKey).export({ type: 'spki', format: 'pem' }).toString();
  await deps.store.putPublicKey(pem, cosignerVkey({ name: deps.keyName, publicRaw: deps.key.publicRaw }));
  const outcomes: ShardOutcome[] = [];
  for (const shard of await deps.source.shards()) outcomes.push(await processShard(deps, shard));
  return outcomes;
}
