/**
 * The witness function's run on moto_server: it cosigns each shard's
 * checkpoints in order, stores them write-once in its own bucket (and offers a
 * copy to the audit bucket), refuses a fork with an alert and then stops for
 * that shard, survives a crash between its state update and its write, and
 * two concurrent runs release one cosignature per checkpoint.
 */
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseNote } from '../../lib/core/note/signed-note';
import { checkCosignature, parseCosignerVkey } from '../../lib/core/witness/cosignature';
import { runWitness } from '../../lib/witness/run-witness';
import { witnessRuntime } from '../../lib/witness/runtime';
import type { WitnessDeps } from '../../lib/witness/witness-deps';
import { useMoto } from '../support/moto';
import { witnessEnv, type WitnessEnv } from '../support/witness-env';
import { append, newTestLog, sealedObjects, type TestLog } from '../support/witness-log';

const ORIGIN = 'immutrail/111111111111/us-east-1/Audit/Trail';
const SECRET = 's'.repeat(64);

describe('witness runtime on moto_server', () => {
  const moto = useMoto();
  let w: WitnessEnv;
  let deps: WitnessDeps;
  const logs: Record<string, TestLog> = {};
  const sizes: Record<string, number> = { s1: 0, s2: 0 };

  /** Appends `n` records to a shard and writes its note and add-checkpoint, as the seal does. */
  async function seal(shard: string, n: number, log = logs[shard]!): Promise<string> {
    append(log, n);
    const objects = sealedObjects(log, shard, sizes[shard]!);
    for (const [key, body] of objects) await w.put(key, body);
    sizes[shard] = log.leaves.length;
    return objects[0]![0].split('/').pop()!.replace('.note', '');
  }

  const text = async (bucket: string, key: string): Promise<Buffer> =>
    Buffer.from(await (await w.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToByteArray());
  const keys = async (bucket: string, prefix: string): Promise<string[]> =>
    ((await w.s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }))).Contents ?? []).map((o) => o.Key!);

  beforeAll(async () => {
    logs.s1 = newTestLog(`${ORIGIN}/s1`);
    logs.s2 = newTestLog(`${ORIGIN}/s2`, logs.s1.keys);
    const pem = logs.s1.keys.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    w = await witnessEnv(moto.target, { archiveOrigin: ORIGIN, logPublicKeyPem: pem, suffix: 'rt' });
    deps = witnessRuntime(w.env, SECRET, moto.target);
  });

  it('cosigns every shard note in order, in its own bucket and as a copy in the audit bucket', async () => {
    const first = await seal('s1', 5);
    await seal('s2', 3);
    const second = await seal('s1', 4);
    expect(await runWitness(deps)).toEqual([
      { shard: 's1', cosigned: 2 },
      { shard: 's2', cosigned: 1 },
    ]);
    const vkey = (await text(w.witnessBucket, 'witness/witness.example/w1.vkey')).toString().trim();
    const cosigner = parseCosignerVkey(vkey);
    for (const stem of [first, second]) {
      const note = await text(w.witnessBucket, `cosigned/s1/${stem}.note`);
      const parsed = parseNote(note);
      expect(parsed.signatures.map((s) => s.keyName)).toEqual([`${ORIGIN}/s1`, 'witness.example/w1']);
      expect(checkCosignature(parsed.text, parsed.signatures[1]!, cosigner)).toMatchObject({ time: expect.any(Number) });
      expect(await text(w.auditBucket, `cosignatures/witness.example/w1/s1/${stem}.note`)).toEqual(note);
    }
    expect((await text(w.witnessBucket, 'witness/witness.example/w1.pem')).toString()).toMatch(/^-----BEGIN PUBLIC KEY-----/);
    // Nothing new: nothing cosigned, nothing rewritten.
    expect(await runWitness(deps)).toEqual([
      { shard: 's1', cosigned: 0 },
      { shard: 's2', cosigned: 0 },
    ]);
  });

  it('finishes a cosignature whose run stopped after moving its state, with the same bytes', async () => {
    const stem = await seal('s1', 2);
    const store = deps.store;
    const failing: WitnessDeps = {
      ...deps,
      store: {
        put: () => Promise.reject(new Error('crash before the write')),
        offer: (...a) => store.offer(...a),
        putPublicKey: (...a) => store.putPublicKey(...a),
      },
    };
    await expect(runWitness(failing)).rejects.toThrow(/crash/);
    expect(await keys(w.witnessBucket, `cosigned/s1/${stem}`)).toEqual([]);
    expect(await runWitness(deps)).toContainEqual({ shard: 's1', cosigned: 0 });
    const note = parseNote(await text(w.witnessBucket, `cosigned/s1/${stem}.note`));
    expect(note.text.toString()).toContain(`\n${sizes.s1}\n`);
  });

  it('releases one cosignature per checkpoint when two runs race', async () => {
    const stems = [await seal('s1', 1), await seal('s1', 3)];
    const outcomes = await Promise.all([runWitness(deps), runWitness(deps)]);
    const s1 = outcomes.flat().filter((o) => o.shard === 's1');
    expect(s1.reduce((n, o) => n + o.cosigned, 0)).toBe(2);
    for (const stem of stems) expect(await keys(w.witnessBucket, `cosigned/s1/${stem}`)).toHaveLength(1);
  });

  it('refuses a fork signed with the archive key, alerts, and cosigns nothing more for that shard', async () => {
    const fork: TestLog = { ...logs.s2!, leaves: logs.s2!.leaves.slice(0, 2) };
    append(fork, 4, 'forged');
    const forged = sealedObjects(fork, 's2', 3); // an honest proof, for the forged tree
    for (const [key, body] of forged) await w.put(key, body);
    const forkStem = forged[0]![0].split('/').pop()!.replace('.note', '');
    expect(await runWitness(deps)).toContainEqual({ shard: 's2', cosigned: 0, refused: 'WITNESS_INCONSISTENT' });
    expect(await keys(w.witnessBucket, `cosigned/s2/${forkStem}`)).toEqual([]);
    const alerts = await w.alerts();
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toContain(`${ORIGIN}/s2`);
    expect(alerts[0]).toContain('WITNESS_INCONSISTENT');
    expect(alerts[0]).toMatch(/Last cosigned size: 3\. Request: old 3, new 6/);
    // The honest log goes on; the witness stays stopped for s2 until a person acts, and s1 is unaffected.
    const honest = await seal('s2', 5);
    const s1stem = await seal('s1', 1);
    expect(await runWitness(deps)).toEqual([
      { shard: 's1', cosigned: 1 },
      { shard: 's2', cosigned: 0, refused: 'WITNESS_INCONSISTENT' },
    ]);
    expect(await keys(w.witnessBucket, `cosigned/s2/${honest}`)).toEqual([]);
    expect(await keys(w.witnessBucket, `cosigned/s1/${s1stem}`)).toHaveLength(1);
    expect(await w.alerts()).toHaveLength(1);
  });
});
