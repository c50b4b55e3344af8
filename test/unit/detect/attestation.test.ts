import { generateKeyPairSync, sign as cryptoSign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { attestationStatement, AttestationError, checkAttestation, imageDigestOf, normalizeSubject, verifyAttestation } from '../../../lib/core/attestation';
import { trustedKeyFromDer, trustedKeyFromPem } from '../../../lib/core/trusted-key';
import { signingKey } from './helpers';

const DIGEST = `sha256:${'ab'.repeat(32)}`;

describe('attestation statement', () => {
  it('is the canonical JSON of the statement, keys sorted', () => {
    const bytes = attestationStatement({ subject: 'ami-0abc1234def567890', subjectType: 'ami', signedAt: '2024-05-01T12:00:00.000Z', signer: 'ci/main' });
    expect(bytes.toString('utf8')).toBe(
      '{"signedAt":"2024-05-01T12:00:00.000Z","signer":"ci/main","subject":"ami-0abc1234def567890","subjectType":"ami","type":"immutrail.attestation","version":1}',
    );
    const parsed = JSON.parse(bytes.toString('utf8')) as Record<string, unknown>;
    expect(Object.keys(parsed)).toEqual([...Object.keys(parsed)].sort());
  });

  it('keeps a null signer as null', () => {
    const s = attestationStatement({ subject: DIGEST, subjectType: 'image-digest', signedAt: '2024-05-01T12:00:00Z', signer: null });
    expect(JSON.parse(s.toString('utf8')).signer).toBeNull();
  });

  it('rejects subjects that are not in canonical form, and bad times', () => {
    expect(() => attestationStatement({ subject: 'AMI-0ABC1234', subjectType: 'ami', signedAt: '2024-05-01T12:00:00Z', signer: null })).toThrow(
      AttestationError,
    );
    expect(() => attestationStatement({ subject: `repo@${DIGEST}`, subjectType: 'image-digest', signedAt: '2024-05-01T12:00:00Z', signer: null })).toThrow(
      /canonical form/,
    );
    expect(() => attestationStatement({ subject: DIGEST, subjectType: 'image-digest', signedAt: 'yesterday', signer: null })).toThrow(/signedAt/);
    expect(() => attestationStatement({ subject: DIGEST, subjectType: 'image-digest', signedAt: '2024-05-01T12:00:00Z', signer: '\ud800' })).toThrow(/signer/);
  });
});

describe('subjects', () => {
  it('normalizes AMI ids and image references to their canonical subject', () => {
    expect(normalizeSubject('ami', ' AMI-0ABC1234DEF567890 ')).toBe('ami-0abc1234def567890');
    expect(normalizeSubject('image-digest', `111122223333.dkr.ecr.us-east-1.amazonaws.com/app@${DIGEST.toUpperCase().replace('SHA256', 'sha256')}`)).toBe(
      DIGEST,
    );
    expect(normalizeSubject('image-digest', DIGEST)).toBe(DIGEST);
    expect(() => normalizeSubject('image-digest', 'repo:latest')).toThrow(/not an image digest/);
    expect(() => normalizeSubject('ami', 'i-0123456789abcdef0')).toThrow(/not an AMI id/);
  });

  it('finds the digest a reference pins, and none for tags', () => {
    expect(imageDigestOf(`repo:1.2@${DIGEST}`)).toBe(DIGEST);
    expect(imageDigestOf('111122223333.dkr.ecr.us-west-2.amazonaws.com/hello-repository:latest')).toBeNull();
    expect(imageDigestOf('nginx')).toBeNull();
    expect(imageDigestOf('repo@sha256:abc')).toBeNull();
  });
});

describe('verifyAttestation', () => {
  for (const alg of ['ECDSA_SHA_256', 'RSASSA_PSS_SHA_256', 'RSASSA_PKCS1_V1_5_SHA_256'] as const) {
    it(`accepts a ${alg} signature by a trusted key`, () => {
      const key = signingKey(alg);
      const att = key.attest('ami-0abc1234def567890', 'ami');
      expect(checkAttestation(att, [key.trusted])).toBe('valid');
      expect(verifyAttestation(att, [key.trusted])).toBe(true);
    });
  }

  it('rejects an attestation by a key that is not trusted', () => {
    const trusted = signingKey();
    const other = signingKey();
    const att = other.attest(DIGEST, 'image-digest');
    expect(checkAttestation(att, [trusted.trusted])).toBe('untrusted-key');
    expect(verifyAttestation(att, [])).toBe(false);
  });

  it('rejects a signature made by another key under a trusted key id', () => {
    const trusted = signingKey();
    const forger = signingKey('ECDSA_SHA_256', trusted.keyId);
    const att = forger.attest(DIGEST, 'image-digest');
    expect(checkAttestation(att, [trusted.trusted])).toBe('bad-signature');
  });

  it('rejects any change to the signed fields', () => {
    const key = signingKey();
    const att = key.attest(DIGEST, 'image-digest', { signer: 'ci/main' });
    expect(checkAttestation({ ...att, subject: `sha256:${'cd'.repeat(32)}` }, [key.trusted])).toBe('bad-signature');
    expect(checkAttestation({ ...att, signer: 'ci/other' }, [key.trusted])).toBe('bad-signature');
    expect(checkAttestation({ ...att, signedAt: '2024-07-30T10:00:01.000Z' }, [key.trusted])).toBe('bad-signature');
    expect(checkAttestation({ ...att, subjectType: 'ami' }, [key.trusted])).toBe('malformed');
  });

  it('rejects a corrupted signature', () => {
    const key = signingKey();
    const att = key.attest(DIGEST, 'image-digest');
    const sig = Buffer.from(att.signature, 'base64');
    sig[sig.length - 1] ^= 0x01;
    expect(checkAttestation({ ...att, signature: sig.toString('base64') }, [key.trusted])).toBe('bad-signature');
    expect(checkAttestation({ ...att, signature: 'AAAA' }, [key.trusted])).toBe('bad-signature');
    expect(checkAttestation({ ...att, signature: 'not base64!' }, [key.trusted])).toBe('malformed');
  });

  it('refuses an algorithm that does not fit the key or is unknown', () => {
    const ec = signingKey('ECDSA_SHA_256');
    const att = ec.attest(DIGEST, 'image-digest');
    expect(checkAttestation({ ...att, algorithm: 'RSASSA_PSS_SHA_256' }, [ec.trusted])).toBe('key-algorithm-mismatch');
    expect(checkAttestation({ ...att, algorithm: 'HMAC_SHA_256' }, [ec.trusted])).toBe('unsupported-algorithm');
    // A P-384 key claiming ECDSA_SHA_256 (P-256) is refused too.
    const p384 = generateKeyPairSync('ec', { namedCurve: 'secp384r1' });
    const sig = cryptoSign('sha256', attestationStatement(att), { key: p384.privateKey, dsaEncoding: 'der' }).toString('base64');
    expect(checkAttestation({ ...att, signature: sig }, [{ keyName: ec.keyId, publicKey: p384.publicKey }])).toBe('key-algorithm-mismatch');
  });

  it('matches a trusted key given by key id against an attestation naming the key ARN', () => {
    const key = signingKey();
    const att = key.attest(DIGEST, 'image-digest');
    const bareId = key.keyId.split(':key/')[1]!;
    expect(verifyAttestation(att, [{ keyName: bareId, publicKey: key.trusted.publicKey }])).toBe(true);
  });

  it('refuses an unreadable public key where it is configured, before any attestation is checked', () => {
    expect(() => trustedKeyFromPem('arn:aws:kms:us-east-1:111122223333:key/x', 'garbage')).toThrow();
    expect(() => trustedKeyFromDer('arn:aws:kms:us-east-1:111122223333:key/x', new Uint8Array([1, 2, 3]))).toThrow();
  });
});

describe('trustedKeyFromDer', () => {
  it('turns a KMS GetPublicKey DER body into a trusted key that verifies', () => {
    const key = signingKey();
    const der = key.trusted.publicKey.export({ type: 'spki', format: 'der' });
    const trusted = trustedKeyFromDer(key.keyId, new Uint8Array(der));
    expect(trusted.keyName).toBe(key.keyId);
    expect(verifyAttestation(key.attest(DIGEST, 'image-digest'), [trusted])).toBe(true);
  });
});
