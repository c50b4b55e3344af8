import { createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ANY_KEY_NAME, assembleNote, checkpointBody, noteHash, parseSignedCheckpoint, trustedKeyFromPem, verifyCheckpoint } from '../../lib/core/checkpoint';
import { isCheckpointKey, parseShardCheckpointKey, shardCheckpointKey } from '../../lib/core/layout';
import { ecdsaKeyId, legacyEcdsaKeyId, spkiDer } from '../../lib/core/note/key-id';
import { parseNote } from '../../lib/core/note/signed-note';
import { parseVerifierKey } from '../../lib/core/note/verifier-key';
import { verifyNote } from '../../lib/core/note/verifier';
import { parseShardCheckpoint, shardCheckpointBody, verifyShardCheckpoint } from '../../lib/core/shard-checkpoint';
import { signShardNote } from '../../lib/seal/shard-notes';
import { EXAMPLE_ORIGIN, exampleSigner } from '../support/example-key';

const doc = readFileSync(join(__dirname, '../../docs/FORMAT.md'), 'utf8');
function example(name: string): string {
  const m = new RegExp(`<!-- example:${name} -->\\n\`\`\`\\n([\\s\\S]*?)\`\`\`\\n`).exec(doc);
  if (!m) throw new Error(`docs/FORMAT.md has no example "${name}"`);
  return m[1];
}
const pem = example('public-key');
const publicKey = createPublicKey(pem);
const keys = [trustedKeyFromPem(EXAMPLE_ORIGIN, pem)];
const documentedShardNote = Buffer.from(example('shard-checkpoint'), 'utf8');

describe('FORMAT.md 4.1: the documented shard checkpoint', () => {
  const signed = parseShardCheckpoint(documentedShardNote);
  const archive = parseSignedCheckpoint(Buffer.from(example('checkpoint'), 'utf8'));
  const ec2 = archive.checkpoint.shards[0];

  it('is the shard line of the section 7 checkpoint, in the three-line form, under the shard origin', () => {
    expect(signed.checkpoint).toEqual({ origin: `${EXAMPLE_ORIGIN}/ec2`, size: ec2.size, root: ec2.root });
    expect(shardCheckpointBody(signed.checkpoint).equals(signed.body)).toBe(true);
    expect(signed.signatures.map((s) => s.keyName)).toEqual([`${EXAMPLE_ORIGIN}/ec2`]);
  });

  it('verifies under the example key with the C2SP 0x02 key ID, and under the documented Go verifier key', () => {
    verifyShardCheckpoint(signed, keys);
    expect(signed.signatures[0].keyId.toString('hex')).toBe('809cb5fd');
    expect(signed.signatures[0].keyId).toEqual(ecdsaKeyId(spkiDer(publicKey)));
    const vkey = /`(immutrail\.example\/111122223333\/Immutrail\/ec2\+809cb5fd\+[A-Za-z0-9+/=]+)`/.exec(doc)![1];
    expect(verifyNote(parseNote(documentedShardNote), [parseVerifierKey(vkey)])).toHaveLength(1);
  });

  it('has the documented object key, and the seal code produces the same text and key rule when it signs again', async () => {
    expect(doc).toContain(`\`${shardCheckpointKey('ec2', 2, noteHash(documentedShardNote))}\` holds`);
    const again = await signShardNote(exampleSigner(), EXAMPLE_ORIGIN, ec2);
    const reparsed = parseShardCheckpoint(again.note);
    expect(reparsed.body.equals(signed.body)).toBe(true);
    expect(reparsed.signatures[0].keyId).toEqual(signed.signatures[0].keyId);
    expect(again.key).toBe(shardCheckpointKey('ec2', 2, noteHash(again.note)));
    verifyShardCheckpoint(reparsed, keys);
  });

  it('the section 7 archive-wide checkpoint carries the C2SP key ID too, not the legacy one', () => {
    expect(archive.signatures[0].keyId).toEqual(ecdsaKeyId(spkiDer(publicKey)));
    expect(archive.signatures[0].keyId).not.toEqual(legacyEcdsaKeyId(EXAMPLE_ORIGIN, spkiDer(publicKey)));
  });
});

describe('key IDs: C2SP for everything new, the legacy one only on archive-wide checkpoints', () => {
  const signer = exampleSigner();
  const archiveBody = checkpointBody(parseSignedCheckpoint(Buffer.from(example('checkpoint'), 'utf8')).checkpoint);
  const legacyNote = async (keyName: string, body: Buffer) =>
    assembleNote(body, [{ keyName, keyId: legacyEcdsaKeyId(keyName, spkiDer(publicKey)), signature: await signer.sign(body) }]);

  it('accepts a legacy key ID on an archive-wide checkpoint (notes that cannot be re-signed)', async () => {
    const signed = parseSignedCheckpoint(await legacyNote(EXAMPLE_ORIGIN, archiveBody));
    expect(() => verifyCheckpoint(signed, keys)).not.toThrow();
    expect(() => verifyCheckpoint(signed, [trustedKeyFromPem(ANY_KEY_NAME, pem)])).not.toThrow();
  });

  it('refuses a legacy key ID on a shard checkpoint', async () => {
    const origin = `${EXAMPLE_ORIGIN}/ec2`;
    const body = shardCheckpointBody({ origin, size: 2, root: 'ab'.repeat(32) });
    const signed = parseShardCheckpoint(await legacyNote(origin, body));
    expect(() => verifyShardCheckpoint(signed, keys)).toThrow(expect.objectContaining({ code: 'UNKNOWN_KEY' }));
  });

  it('a shard checkpoint is trusted under the archive key name, or any name, but not under an unrelated name', async () => {
    const { note } = await signShardNote(signer, EXAMPLE_ORIGIN, { shard: 'api', size: 3, root: 'cd'.repeat(32), head: 'ef'.repeat(32) });
    const signed = parseShardCheckpoint(note);
    verifyShardCheckpoint(signed, keys);
    verifyShardCheckpoint(signed, [trustedKeyFromPem(ANY_KEY_NAME, pem)]);
    expect(() => verifyShardCheckpoint(signed, [trustedKeyFromPem('other.example/1/X', pem)])).toThrow(expect.objectContaining({ code: 'UNKNOWN_KEY' }));
  });

  it('a signature by the trusted key that fails rejects the shard checkpoint', async () => {
    const { note } = await signShardNote(signer, EXAMPLE_ORIGIN, { shard: 'api', size: 3, root: 'cd'.repeat(32), head: 'ef'.repeat(32) });
    const forged = Buffer.from(note.toString('utf8').replace('\n3\n', '\n4\n'), 'utf8');
    expect(() => verifyShardCheckpoint(parseShardCheckpoint(forged), keys)).toThrow(expect.objectContaining({ code: 'BAD_SIGNATURE' }));
  });
});

describe('shard checkpoint text and keys', () => {
  const sig = '\n\u2014 a/b gJy1/TBFAiEA\n';
  const root = Buffer.alloc(32, 7).toString('base64');
  it.each([
    ['an extension line', `a/b\n2\n${root}\nextra\n`],
    ['a leading zero', `a/b\n02\n${root}\n`],
    ['a short root', `a/b\n2\n${Buffer.alloc(31).toString('base64')}\n`],
    ['two lines', `a/b\n2\n`],
    ['an empty origin', `\n2\n${root}\n`],
  ])('refuses %s', (_what, text) => {
    expect(() => parseShardCheckpoint(Buffer.from(text + sig, 'utf8'))).toThrow(expect.objectContaining({ code: 'MALFORMED' }));
  });

  it('keys: shard notes sit one folder down and are not archive-wide checkpoints', () => {
    const key = shardCheckpointKey('ec2', 2, 'e7dbaa7ac7d0d068ffff');
    expect(key).toBe('checkpoints/shards/ec2/0000000000000002-e7dbaa7ac7d0d068.note');
    expect(parseShardCheckpointKey(key)).toEqual({ shard: 'ec2', size: 2, hash16: 'e7dbaa7ac7d0d068' });
    expect(isCheckpointKey(key)).toBe(false);
    expect(isCheckpointKey('checkpoints/0000000000000002-20260101T000500000Z-0123456789abcdef.note')).toBe(true);
    expect(parseShardCheckpointKey('checkpoints/shards/EC2/0000000000000002-e7dbaa7ac7d0d068.note')).toBeNull();
  });
});
