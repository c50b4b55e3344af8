import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { consistencyProof } from '../../../lib/core/merkle';
import { formatAddCheckpoint, parseAddCheckpoint, type AddCheckpoint } from '../../../lib/core/witness/add-checkpoint';
import { decide, initialState, type LogState } from '../../../lib/core/witness/decide';
import { checkpointOpener } from '../../../lib/core/witness/log-opener';
import { addCheckpointBody, append, newTestLog, noteAt, rootAt, type TestLog } from '../../support/witness-log';

const request = (body: Buffer): AddCheckpoint => {
  const r = parseAddCheckpoint(body);
  if (typeof r === 'string') throw new Error(r);
  return r;
};

function setup(): { log: TestLog; open: ReturnType<typeof checkpointOpener>; at: (size: number) => LogState } {
  const log = newTestLog('immutrail/test/s1');
  append(log, 13);
  return { log, open: checkpointOpener(log.keys.publicKey), at: (size) => ({ origin: log.origin, size, root: rootAt(log, size) }) };
}

describe('decide', () => {
  it('cosigns a first checkpoint (old 0) and every consistent extension, for each pair of sizes', () => {
    const { log, open, at } = setup();
    expect(decide(initialState(log.origin), request(addCheckpointBody(log, 0, 5)), open)).toMatchObject({ cosign: true, state: at(5) });
    for (let old = 1; old <= 13; old++) {
      for (let size = old; size <= 13; size++) {
        const d = decide(at(old), request(addCheckpointBody(log, old, size)), open);
        expect(d, `${old} -> ${size}`).toMatchObject({ cosign: true, state: at(size) });
      }
    }
  });

  it('refuses a checkpoint not signed by the configured key (WITNESS_BAD_SIGNATURE)', () => {
    const { log, at } = setup();
    const other = checkpointOpener(generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey);
    expect(decide(at(3), request(addCheckpointBody(log, 3, 8)), other)).toMatchObject({ cosign: false, code: 'WITNESS_BAD_SIGNATURE' });
  });

  it('refuses a valid signature over a changed checkpoint (WITNESS_BAD_SIGNATURE)', () => {
    const { log, open, at } = setup();
    const body = addCheckpointBody(log, 3, 8).toString().replace('\n8\n', '\n9\n');
    expect(decide(at(3), request(Buffer.from(body)), open)).toMatchObject({ cosign: false, code: 'WITNESS_BAD_SIGNATURE' });
  });

  it('refuses another log (WITNESS_UNKNOWN_ORIGIN), even signed by the same key', () => {
    const { log, open } = setup();
    const s2 = { ...log, origin: 'immutrail/test/s2' };
    expect(decide(initialState(log.origin), request(addCheckpointBody(s2, 0, 4)), open)).toMatchObject({ cosign: false, code: 'WITNESS_UNKNOWN_ORIGIN' });
  });

  it('refuses an old size other than the one it cosigned (WITNESS_CONFLICT)', () => {
    const { log, open, at } = setup();
    expect(decide(at(5), request(addCheckpointBody(log, 3, 8)), open)).toMatchObject({ cosign: false, code: 'WITNESS_CONFLICT', oldSize: 3, newSize: 8 });
  });

  it('refuses a smaller checkpoint than it cosigned (WITNESS_ROLLBACK)', () => {
    const { log, open, at } = setup();
    expect(decide(at(8), request(addCheckpointBody(log, 3, 5)), open)).toMatchObject({ cosign: false, code: 'WITNESS_ROLLBACK', origin: log.origin });
  });

  it('refuses a fork: another history signed by the same key, with its own honest proof (WITNESS_INCONSISTENT)', () => {
    const { log, open, at } = setup();
    const fork: TestLog = { ...log, leaves: [...log.leaves.slice(0, 4)] };
    append(fork, 9, 'forged');
    expect(decide(at(6), request(addCheckpointBody(fork, 6, 13)), open)).toMatchObject({ cosign: false, code: 'WITNESS_INCONSISTENT' });
    // Same size, other root: a fork too.
    expect(decide(at(13), request(addCheckpointBody(fork, 13, 13)), open)).toMatchObject({ cosign: false, code: 'WITNESS_INCONSISTENT' });
  });

  it('refuses a proof that does not fit (WITNESS_INCONSISTENT) and a proof from size 0 (WITNESS_MALFORMED)', () => {
    const { log, open, at } = setup();
    const wrong = consistencyProof(4, log.leaves.slice(0, 9));
    expect(decide(at(5), { oldSize: 5, proof: wrong, note: noteAt(log, 9) }, open)).toMatchObject({ cosign: false, code: 'WITNESS_INCONSISTENT' });
    expect(decide(initialState(log.origin), { oldSize: 0, proof: wrong, note: noteAt(log, 9) }, open)).toMatchObject({
      cosign: false,
      code: 'WITNESS_MALFORMED',
    });
    const garbled = formatAddCheckpoint({ oldSize: 5, proof: [], note: Buffer.from('not a note\n') });
    expect(decide(at(5), request(garbled), open)).toMatchObject({ cosign: false, code: 'WITNESS_MALFORMED' });
  });
});
