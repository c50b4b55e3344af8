import { describe, expect, it } from 'vitest';
import { cosignerVkey } from '../../../lib/core/witness/cosignature';
import { ed25519FromSeed } from '../../../lib/core/witness/ed25519-key';
import { cosignedNote } from '../../../lib/witness/cosigned-note';
import { checkWitnesses, trustedWitness, type ArchiveShardView } from '../../../lib/verify/witness-check';
import { append, checkpointText, newTestLog, noteAt, rootAt, type TestLog } from '../../support/witness-log';

const w1 = { name: 'witness.a/w1', key: ed25519FromSeed(Buffer.alloc(32, 1)) };
const w2 = { name: 'witness.b/w2', key: ed25519FromSeed(Buffer.alloc(32, 2)) };
const trusted = [w1, w2].map((w) => trustedWitness(cosignerVkey({ name: w.name, publicRaw: w.key.publicRaw })));

const view = (log: TestLog, shard: string, size = log.leaves.length): ArchiveShardView => ({
  shard,
  newest: { origin: log.origin, size, root: rootAt(log, size), body: checkpointText(log.origin, size, rootAt(log, size)) },
  size,
  rootAt: (n) => rootAt(log, n),
});
const cosigned = (log: TestLog, size: number, w = w1, time = 1_700_000_000) => ({
  source: `${w.name}@${size}`,
  note: cosignedNote(noteAt(log, size), w.name, w.key, time),
});

function archive(): TestLog {
  const log = newTestLog('immutrail/a/s1');
  append(log, 10);
  return log;
}

describe('checkWitnesses', () => {
  it('is satisfied by N cosignatures on the newest note by distinct trusted witnesses, whatever the source', () => {
    const log = archive();
    const notes = [cosigned(log, 4), cosigned(log, 10), cosigned(log, 10, w2), { ...cosigned(log, 10), source: 'archive copy' }];
    expect(checkWitnesses({ shards: [view(log, 's1')], cosigned: notes, witnesses: trusted, required: 2 })).toEqual([]);
  });

  it('reports WITNESS_MISSING when the newest note has fewer (the same witness twice counts once)', () => {
    const log = archive();
    const notes = [cosigned(log, 10), cosigned(log, 10, w1, 1_700_000_100), cosigned(log, 8, w2)];
    expect(checkWitnesses({ shards: [view(log, 's1')], cosigned: notes, witnesses: trusted, required: 2 })).toEqual([
      expect.objectContaining({ code: 'WITNESS_MISSING', shard: 's1', message: expect.stringMatching(/has 1 valid cosignature\(s\).*2 required/) }),
    ]);
  });

  it('reports ROLLBACK when a witness cosigned more than the archive holds', () => {
    const log = archive();
    const cut = view(log, 's1', 7);
    const problems = checkWitnesses({ shards: [cut], cosigned: [cosigned(log, 7), cosigned(log, 10)], witnesses: trusted, required: 1 });
    expect(problems.map((p) => p.code)).toEqual(['ROLLBACK']);
  });

  it('reports WITNESS_FORK (and WITNESS_MISSING) for a history re-signed with the same key', () => {
    const log = archive();
    const fork: TestLog = { ...log, leaves: log.leaves.slice(0, 5) };
    append(fork, 7, 'forged');
    const problems = checkWitnesses({ shards: [view(fork, 's1')], cosigned: [cosigned(log, 4), cosigned(log, 10)], witnesses: trusted, required: 1 });
    expect(problems.map((p) => p.code).sort()).toEqual(['WITNESS_FORK', 'WITNESS_MISSING']);
  });

  it('reports WITNESS_SIGNATURE for a trusted cosignature that fails, and ignores untrusted witnesses and other logs', () => {
    const log = archive();
    const good = cosigned(log, 10);
    const bad = {
      source: 'tampered',
      note: Buffer.from(good.note.toString().replace(/(— witness\.a\/w1 \S{20})(\S)/, (_m, a: string, c: string) => a + (c === 'A' ? 'B' : 'A'))),
    };
    const stranger = { name: 'stranger', key: ed25519FromSeed(Buffer.alloc(32, 9)) };
    const other = newTestLog('immutrail/other/s1', log.keys);
    append(other, 3);
    const notes = [bad, cosigned(log, 10, stranger), cosigned(other, 3)];
    expect(
      checkWitnesses({ shards: [view(log, 's1')], cosigned: notes, witnesses: trusted, required: 1 })
        .map((p) => p.code)
        .sort(),
    ).toEqual(['WITNESS_MISSING', 'WITNESS_SIGNATURE']);
  });

  it('takes a trusted witness as a vkey, or a PEM with its name', () => {
    const pem = w1.key.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    expect(trustedWitness(pem, w1.name)).toEqual(trusted[0]);
    expect(() => trustedWitness(pem)).toThrow(/needs its key name/);
  });
});
