import { beforeAll, describe, expect, it } from 'vitest';
import { ANY_KEY_NAME, assembleNote, keyId, parseSignedCheckpoint, trustedKeyFromPem, type TrustedKey } from '../../../lib/core/checkpoint';
import { LocalSigner } from '../../../lib/core/local-signer';
import { draftFromMessage } from '../../../lib/commit/drafts';
import { buildInclusionProof } from '../../../lib/prove/build-proof';
import { parseProofFile, serializeProofFile, type InclusionProofFile } from '../../../lib/prove/proof-file';
import { verifyProofFile, type ProofCheck } from '../../../lib/prove/verify-proof';
import { apiCallEnvelope } from '../../support/events';
import { MemoryArchive, coverageDrafts } from './memory-archive';

describe('verifyProofFile', () => {
  let a: MemoryArchive;
  let good: InclusionProofFile;
  let keys: TrustedKey[];

  beforeAll(async () => {
    a = new MemoryArchive();
    for (let i = 0; i < 12; i++) a.commit('api', coverageDrafts(`f-${i}`, 30));
    a.commit('api', [draftFromMessage(JSON.stringify(apiCallEnvelope({ eventId: 'evt-proof' })), { channel: 'eventbridge', logFile: null }).draft]);
    a.commit('api', coverageDrafts('g', 40));
    await a.seal();
    // Through the file format, as verify-proof reads it.
    good = parseProofFile(serializeProofFile((await buildInclusionProof({ table: a.table, objects: a.objectStore, meter: a.meter }, 'evt-proof')).proof));
    keys = [trustedKeyFromPem(ANY_KEY_NAME, a.signer.publicKeyPem())];
  });

  const failedCheck = (p: InclusionProofFile, k: readonly TrustedKey[] = keys): ProofCheck | null => verifyProofFile(p, k).failed;

  it('accepts an untouched proof, passing every check', () => {
    const v = verifyProofFile(good, keys);
    expect(v.ok).toBe(true);
    expect(v.failed).toBeNull();
    expect(v.checks.map((c) => [c.check, c.status])).toEqual([
      ['record', 'pass'],
      ['header', 'pass'],
      ['signature', 'pass'],
      ['inclusion', 'pass'],
    ]);
    expect(v.checkpoint).toMatchObject({ origin: a.origin, signer: a.origin, shardSize: good.treeSize });
  });

  it('fails inclusion when one byte of the record changes (still a canonical record)', () => {
    const record = good.record.replace('AuthorizeSecurityGroupIngress', 'AuthorizeSecurityGroupIngresS');
    expect(record).not.toBe(good.record);
    const v = verifyProofFile({ ...good, record }, keys);
    expect(v.failed).toBe('inclusion');
    expect(v.checks.slice(0, 3).every((c) => c.status === 'pass')).toBe(true);
  });

  it('fails the record check when the change breaks JSON or canonical form', () => {
    expect(failedCheck({ ...good, record: good.record.slice(0, -1) })).toBe('record');
    expect(failedCheck({ ...good, record: good.record.replace('{"chain":{', '{"chain": {') })).toBe('record');
    expect(failedCheck({ ...good, record: '{"data":{}}' })).toBe('record');
  });

  it('fails the header check when the proof claims another sequence than the record holds', () => {
    const v = verifyProofFile({ ...good, seq: good.seq + 1 }, keys);
    expect(v.failed).toBe('header');
    expect(v.checks.find((c) => c.check === 'inclusion')!.status).toBe('fail');
  });

  it('fails inclusion when a path hash changes, a hash is dropped, or the tree size is not the signed one', () => {
    for (let i = 0; i < good.proof.length; i++) {
      const proof = [...good.proof];
      proof[i] = (proof[i][0] === '0' ? '1' : '0') + proof[i].slice(1);
      expect(failedCheck({ ...good, proof })).toBe('inclusion');
    }
    expect(failedCheck({ ...good, proof: good.proof.slice(1) })).toBe('inclusion');
    expect(failedCheck({ ...good, treeSize: good.treeSize - 1 })).toBe('inclusion');
    expect(failedCheck({ ...good, shard: 'ec2', record: good.record })).toBe('header');
  });

  it('fails the signature check for a checkpoint signed by another key, even under the same name', async () => {
    const other = new LocalSigner(a.origin);
    const signed = parseSignedCheckpoint(Buffer.from(good.checkpoint, 'utf8'));
    const forged = assembleNote(signed.body, [
      { keyName: a.origin, keyId: keyId(a.origin, await other.publicKey()), signature: await other.sign(signed.body) },
    ]);
    const v = verifyProofFile({ ...good, checkpoint: forged.toString('utf8') }, keys);
    expect(v.failed).toBe('signature');
    expect(v.checks.find((c) => c.check === 'inclusion')!.status).toBe('pass');
    // The forger's own key accepts it: the trusted key is what decides.
    expect(verifyProofFile({ ...good, checkpoint: forged.toString('utf8') }, [trustedKeyFromPem(ANY_KEY_NAME, other.publicKeyPem())]).ok).toBe(true);
    // A pinned signer name that is not on the note fails too.
    expect(failedCheck(good, [trustedKeyFromPem('someone-else', a.signer.publicKeyPem())])).toBe('signature');
  });

  it('fails the signature check when the checkpoint body is edited', () => {
    const time = good.checkpoint.match(/^time (\S+)$/m)![1];
    const later = good.checkpoint.replace(`time ${time}`, `time ${time.replace(/^2026/, '2027')}`);
    expect(failedCheck({ ...good, checkpoint: later })).toBe('signature');
    // A shard size edited to match a shorter tree: the body no longer adds up, and the signature no longer covers it.
    const resized = good.checkpoint.replace(` ${good.treeSize} `, ` ${good.treeSize - 1} `);
    const v = verifyProofFile({ ...good, checkpoint: resized, treeSize: good.treeSize - 1 }, keys);
    expect(v.failed).toBe('signature');
    expect(v.checks.find((c) => c.check === 'signature')!.message).toContain('not valid');
    expect(v.checks.find((c) => c.check === 'inclusion')!.status).toBe('skip');
    expect(failedCheck({ ...good, checkpoint: 'not a checkpoint' })).toBe('signature');
  });
});
