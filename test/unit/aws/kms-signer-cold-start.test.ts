import { generateKeyPairSync } from 'node:crypto';
import { GetPublicKeyCommand, KMSClient, KMSServiceException } from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { KmsSigner } from '../../../lib/aws/kms-signer';
import { onceOk } from '../../../lib/core/once-ok';

const throttled = () =>
  new KMSServiceException({ name: 'ThrottlingException', $fault: 'client', $metadata: { httpStatusCode: 400 }, message: 'Rate exceeded' });

// Issue 19, defect 3: one throttled GetPublicKey at cold start used to fail every later call of the container.
describe('a failed cold start does not poison the container', () => {
  it('KmsSigner asks KMS again after a failed GetPublicKey, and caches the key once it has it', async () => {
    const kms = mockClient(KMSClient);
    const spki = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'der', type: 'spki' });
    kms
      .on(GetPublicKeyCommand)
      .rejectsOnce(throttled())
      .resolves({ PublicKey: new Uint8Array(spki) });
    const signer = new KmsSigner(new KMSClient({ region: 'us-east-1', maxAttempts: 1 }), 'key-1', 'origin');
    await expect(signer.publicKey()).rejects.toThrow('Rate exceeded');
    const key = await signer.publicKey();
    expect(key.export({ format: 'der', type: 'spki' }).equals(spki)).toBe(true);
    await signer.publicKey();
    expect(kms.commandCalls(GetPublicKeyCommand)).toHaveLength(2);
    kms.restore();
  });

  it('onceOk shares one pending build between callers and forgets a rejected one', async () => {
    let calls = 0;
    const get = onceOk(async () => {
      calls++;
      if (calls === 1) throw new Error('cold start failed');
      return calls;
    });
    await expect(get()).rejects.toThrow('cold start failed');
    const [a, b] = await Promise.all([get(), get()]);
    expect([a, b, calls]).toEqual([2, 2, 2]);
  });
});
