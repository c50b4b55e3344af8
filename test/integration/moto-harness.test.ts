import { describe, expect, it } from 'vitest';
import { S3Client, ListBucketsCommand } from '@aws-sdk/client-s3';
import { clientConfig } from '../../lib/aws/client-config';
import { useMoto } from '../support/moto';

describe('moto harness', () => {
  const moto = useMoto();
  it('answers S3 calls on a loopback endpoint', async () => {
    expect(moto.target.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const s3 = new S3Client(clientConfig(moto.target));
    const out = await s3.send(new ListBucketsCommand({}));
    expect(out.Buckets ?? []).toEqual([]);
  });
});
