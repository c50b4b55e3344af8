import { describe, expect, it } from 'vitest';
import { LocalSigner } from '../../../lib/core/local-signer';
import { runSeal, type SealRuntime } from '../../../lib/seal/runtime';

function runtime(sweeps: { outbox: () => Promise<number>; digests: () => Promise<number> }): SealRuntime {
  return {
    deps: {
      store: { shards: async () => [], head: async () => Promise.reject(new Error('no shards')) },
      checkpoints: { latest: async () => null, publish: async () => 'checkpoints/1', putShardNote: async () => {} },
      signer: new LocalSigner('immutrail.test/seal'),
      origin: 'immutrail.test/seal',
    },
    tile: async () => undefined,
    outbox: { sweep: sweeps.outbox } as unknown as SealRuntime['outbox'],
    digests: { sweep: sweeps.digests },
  };
}

// Issue 17: the seal's schedule is what publishes the digest of a suppression window nobody else reports.
describe('runSeal sweeps the outbox and the suppression digests', () => {
  it('reports how many alerts and digests it published', async () => {
    const run = await runSeal(runtime({ outbox: async () => 3, digests: async () => 2 }));
    expect(run).toMatchObject({ key: 'checkpoints/1', republished: 3, digestsSent: 2 });
  });

  it('sends the digests even when the alert sweep fails, then reports the failure', async () => {
    let digestsSwept = false;
    const rt = runtime({
      outbox: async () => Promise.reject(new Error('outbox item unreadable')),
      digests: async () => {
        digestsSwept = true;
        return 1;
      },
    });
    await expect(runSeal(rt)).rejects.toThrow('outbox item unreadable');
    expect(digestsSwept).toBe(true);
  });
});
