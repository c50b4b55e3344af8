import { createPrivateKey, createPublicKey, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ed25519KeyId, ed25519Raw } from '../../../lib/core/note/key-id';
import { assembleNote, parseNote } from '../../../lib/core/note/signed-note';
import { parseVerifierKey } from '../../../lib/core/note/verifier-key';
import { verifyNote } from '../../../lib/core/note/verifier';

const dir = join(__dirname, '../../fixtures/signed-note');
const load = <T>(name: string): T => JSON.parse(readFileSync(join(dir, name), 'utf8')) as T;
const go = load<{
  peterVerifierKey: string;
  peterSignerKey: string;
  enochVerifierKey: string;
  text: string;
  peterSig: string;
  enochSig: string;
  badVerifierKeys: string[];
}>('go-sumdb-note.json');
const td = load<{ vectors: { name: string; verifierKey: string; note: string }[]; invalidSignatureNote: string }>('transparency-dev-ecdsa.json');
const c2sp = load<{ signedNote: string; checkpoint: string }>('c2sp-examples.json');
const note = (s: string) => parseNote(Buffer.from(s, 'utf8'));

/** Go's signer key: PRIVATE+KEY+<name>+<hex id>+base64(0x01 || 32-byte Ed25519 seed). */
function goSigner(skey: string) {
  const [, , name, id, ...rest] = skey.split('+');
  const b64 = rest.join('+');
  const raw = Buffer.from(b64, 'base64');
  const pkcs8 = Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), raw.subarray(1)]);
  return { name, id, key: createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' }) };
}

describe('golang.org/x/mod/sumdb/note vectors (Ed25519, type 0x01)', () => {
  const peter = parseVerifierKey(go.peterVerifierKey);
  const enoch = parseVerifierKey(go.enochVerifierKey);

  it('reads the verifier keys, and their key IDs are the ones Go printed', () => {
    expect(peter.name).toBe('PeterNeumann');
    expect(peter.keyId.toString('hex')).toBe('c74f20a3');
    expect(enoch.keyId.toString('hex')).toBe('af0cfe78');
  });

  it('refuses mangled verifier keys (wrong length with adjusted hash, unknown type)', () => {
    for (const k of go.badVerifierKeys) expect(() => parseVerifierKey(k), k).toThrow(/verifier key/);
    expect(() => parseVerifierKey(go.peterVerifierKey.replace('c74f20a3', 'c74f20a4'))).toThrow(/does not match/);
  });

  it("signing Go's text with Go's private key gives Go's note byte for byte", () => {
    const s = goSigner(go.peterSignerKey);
    // The key ID from the seed's public key is the one in Go's key strings.
    expect(ed25519KeyId(s.name, ed25519Raw(createPublicKey(s.key))).toString('hex')).toBe(s.id);
    const text = Buffer.from(go.text, 'utf8');
    const signed = assembleNote(text, [{ keyName: s.name, keyId: Buffer.from(s.id, 'hex'), signature: sign(null, text, s.key) }]);
    expect(signed.toString('utf8')).toBe(go.text + '\n' + go.peterSig);
  });

  it('verifies one signature and ignores the other signer it does not know', () => {
    const n = note(go.text + '\n' + go.peterSig + go.enochSig);
    expect(n.text.toString('utf8')).toBe(go.text);
    expect(verifyNote(n, [peter]).map((s) => s.keyName)).toEqual(['PeterNeumann']);
    expect(verifyNote(n, [peter, enoch]).map((s) => s.keyName)).toEqual(['PeterNeumann', 'EnochRoot']);
  });

  it('rejects a note with no known signer, and one whose known signature fails', () => {
    expect(() => verifyNote(note(go.text + '\n' + go.enochSig), [peter])).toThrow(expect.objectContaining({ code: 'NOTE_UNKNOWN_KEY' }));
    const tampered = go.text + '\n' + go.peterSig.slice(0, 60) + 'ABCD' + go.peterSig.slice(60);
    expect(() => verifyNote(note(tampered), [peter])).toThrow(expect.objectContaining({ code: 'NOTE_BAD_SIGNATURE' }));
    // A known signer's failure rejects the note even though another known signer verifies.
    const enochBad = go.enochSig.slice(0, 60) + 'ABCD' + go.enochSig.slice(60);
    expect(() => verifyNote(note(go.text + '\n' + go.peterSig + enochBad), [peter, enoch])).toThrow(expect.objectContaining({ code: 'NOTE_BAD_SIGNATURE' }));
  });

  it("a signature under another name or key ID is not Peter's", () => {
    const misnamed = go.peterSig.replace('PeterNeumann', 'CarmenSandiego');
    expect(() => verifyNote(note(go.text + '\n' + misnamed), [peter])).toThrow(expect.objectContaining({ code: 'NOTE_UNKNOWN_KEY' }));
    const wrongId = go.peterSig.replace('x08g', 'xxxx');
    expect(() => verifyNote(note(go.text + '\n' + wrongId), [peter])).toThrow(expect.objectContaining({ code: 'NOTE_UNKNOWN_KEY' }));
  });

  it('refuses the notes Go refuses as malformed', () => {
    const bad = [
      go.text,
      go.text + '\n',
      go.text + '\n' + go.peterSig.slice(0, -1),
      '\x01' + go.text + '\n' + go.peterSig,
      go.text + '\n' + '\u2014 Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=',
      go.text + '\n' + go.peterSig + 'Unexpected line.\n',
      go.text + '\n' + go.peterSig.repeat(101),
    ];
    for (const m of bad) expect(() => note(m), JSON.stringify(m)).toThrow(expect.objectContaining({ code: 'NOTE_MALFORMED' }));
    const invalidUtf8 = Buffer.concat([Buffer.from([0xff]), Buffer.from(go.text + '\n' + go.peterSig, 'utf8')]);
    expect(() => parseNote(invalidUtf8)).toThrow(expect.objectContaining({ code: 'NOTE_MALFORMED' }));
  });
});

describe('transparency-dev/formats ECDSA vectors (type 0x02, as immutrail signs)', () => {
  for (const v of td.vectors) {
    it(`${v.name}: the key ID is SHA-256 of the SPKI and the checkpoint verifies`, () => {
      const verifier = parseVerifierKey(v.verifierKey);
      expect(verifyNote(note(v.note), [verifier])).toHaveLength(1);
    });
  }

  it('a verifier under another name ignores the signature; a garbled signature is rejected', () => {
    const [rekor] = td.vectors;
    const renamed = parseVerifierKey(rekor.verifierKey.replace('rekor.sigstore.dev', 'bananas.sigstore.dev'));
    expect(() => verifyNote(note(rekor.note), [renamed])).toThrow(expect.objectContaining({ code: 'NOTE_UNKNOWN_KEY' }));
    const verifier = parseVerifierKey(rekor.verifierKey);
    expect(() => verifyNote(note(td.invalidSignatureNote), [verifier])).toThrow(/NOTE|signature/);
  });
});

describe('C2SP spec examples (no published keys: parsed only)', () => {
  it('signed-note: the last blank line separates the text, which may hold blank lines', () => {
    const n = note(c2sp.signedNote);
    expect(n.text.toString('utf8')).toBe('Ognuno sta solo sul cuor della terra\ntrafitto da un raggio di sole:\n\ned è subito sera.\n');
    expect(n.signatures).toHaveLength(1);
    expect(n.signatures[0]).toMatchObject({ keyName: 'quasimodo.example/salvatore' });
    expect(n.signatures[0].signature).toHaveLength(64);
    expect(assembleNote(n.text, n.signatures).toString('utf8')).toBe(c2sp.signedNote);
  });

  it('tlog-checkpoint: three lines and one signature, re-assembled byte for byte', () => {
    const n = note(c2sp.checkpoint);
    expect(n.text.toString('utf8').split('\n')).toEqual(['example.com/behind-the-sofa', '20852163', 'CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=', '']);
    expect(assembleNote(n.text, n.signatures).toString('utf8')).toBe(c2sp.checkpoint);
  });
});
