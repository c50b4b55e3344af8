import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  checkCosignature,
  cosign,
  cosignatureKeyId,
  cosignedMessage,
  cosignerVkey,
  parseCosignerVkey,
  cosignatureTime,
} from '../../../lib/core/witness/cosignature';
import { assembleNote, parseNote, type NoteSignature } from '../../../lib/core/note/signed-note';
import { ed25519FromSecret, ed25519FromSeed } from '../../../lib/core/witness/ed25519-key';

const sigOf = (b64: string): NoteSignature => {
  const raw = Buffer.from(b64, 'base64');
  return { keyName: 'k', keyId: raw.subarray(0, 4), signature: raw.subarray(4) };
};
const body = Buffer.from('example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n');

describe('cosignature/v1 against published vectors', () => {
  it('computes the key ID of a native cosignature/v1 vkey from transparency-dev/formats (note_cosigv1_test.go)', () => {
    const c = parseCosignerVkey('remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2');
    expect(c.name).toBe('remora.n621.de');
    expect(cosignatureKeyId(c.name, c.publicRaw).toString('hex')).toBe('da77ade7');
    expect(cosignerVkey(c)).toBe('remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2');
  });

  it('refuses a vkey whose key ID is wrong, whose type is not 0x04, or that has no name', () => {
    expect(() => parseCosignerVkey('remora.n621.de+00000000+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2')).toThrow(/wrong key ID/);
    // The same 32 bytes as a plain Ed25519 (0x01) note key are not a cosigner key.
    expect(() => parseCosignerVkey('TEST+7997405c+AQcC+FTVKf0jlTdHDY3rbevmnKxxPjigCXlVtGe6RIr6')).toThrow(/type 0x04/);
    expect(() => parseCosignerVkey('+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2')).toThrow(/not a verifier key/);
  });

  it('reads the timestamp of the cosignature in transparency-dev/formats TestCosignatureTimestamp (1727964367)', () => {
    const sig = sigOf('ZGhGuQAAAABm/qTPeyKXD+R2rzyQsxPiP8mXum7qq/iF0u4vanlqJyocWODBt97w9uL+8qT7S5gxEHWWOworDcFiEBYJXORmnFBOBA==');
    expect(cosignatureTime(sig)).toBe(1727964367);
    expect(sig.keyId.toString('hex')).toBe('646846b9');
    // An Ed25519 (0x01) note signature from the same test is not a cosignature.
    expect(cosignatureTime(sigOf('eQjRQm6eSKzFoiYalgwCPXu2y3ijtg68is9M46JKxuZB+dRfTmeQeDBoXnvxZx2ugnkyV+MUMLXpWs1hPb/W/4xkNQY='))).toBeNull();
  });

  it("reads the timestamp of C2SP tlog-cosignature's example, which its signed-message example gives as 1679315147", () => {
    const note = parseNote(
      Buffer.from(
        `${body}\n— witness.example.com/w1 jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZCB9dlrDJsX3b2oyin1nPZqhf5nNo0xUe+mbIUBkBIfZ+qnA==\n`,
      ),
    );
    expect(cosignatureTime(note.signatures[0]!)).toBe(1679315147);
    expect(cosignedMessage(body, 1679315147).toString()).toBe(
      'cosignature/v1\ntime 1679315147\nexample.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n',
    );
  });
});

describe('cosign and check', () => {
  const key = ed25519FromSeed(Buffer.alloc(32, 7));
  const c = { name: 'witness.example/w1', publicRaw: key.publicRaw };

  it('derives the same key from the same secret, and the seed is SHA-256 of the secret', () => {
    const secret = 'x'.repeat(64);
    expect(ed25519FromSecret(secret).publicRaw).toEqual(ed25519FromSeed(createHash('sha256').update(secret).digest()).publicRaw);
    expect(() => ed25519FromSecret('short')).toThrow(/shorter/);
  });

  it('produces a signature "keyID || time || sig" that checks, appends to the note, and is deterministic', () => {
    const sig = cosign(body, c.name, key.privateKey, key.publicRaw, 1700000000);
    expect(sig).toEqual(cosign(body, c.name, key.privateKey, key.publicRaw, 1700000000));
    expect(sig.keyName).toBe(c.name);
    expect(sig.keyId).toEqual(cosignatureKeyId(c.name, key.publicRaw));
    expect(sig.signature.length).toBe(72);
    expect(sig.signature.readBigUInt64BE(0)).toBe(1700000000n);
    const note = assembleNote(body, [sig]);
    expect(note.toString()).toMatch(/\n\n— witness\.example\/w1 [A-Za-z0-9+/]{102}==\n$/);
    expect(checkCosignature(body, parseNote(note).signatures[0]!, c)).toEqual({ time: 1700000000 });
  });

  it('fails on a changed body or time, and ignores signatures by other cosigners', () => {
    const sig = cosign(body, c.name, key.privateKey, key.publicRaw, 1700000000);
    expect(checkCosignature(Buffer.from(body.toString().replace('20852163', '20852164')), sig, c)).toBe('invalid');
    const later = Buffer.from(sig.signature);
    later.writeBigUInt64BE(1700000001n, 0);
    expect(checkCosignature(body, { ...sig, signature: later }, c)).toBe('invalid');
    expect(checkCosignature(body, { ...sig, signature: sig.signature.subarray(1) }, c)).toBe('invalid');
    expect(checkCosignature(body, { ...sig, keyName: 'someone.else' }, c)).toBe('other');
    const other = ed25519FromSeed(Buffer.alloc(32, 8));
    expect(checkCosignature(body, sig, { name: c.name, publicRaw: other.publicRaw })).toBe('other');
  });
});
