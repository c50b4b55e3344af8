import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { RequestCounter, RequestCounterError } from '../../../bench/cost/request-counter';

/** An S3 client whose "network" answers every request with the given status, so the SDK's own stack runs. */
function stubbedS3(status: number): S3Client {
  return new S3Client({
    region: 'us-east-1',
    credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
    maxAttempts: 1,
    requestHandler: {
      handle: async () => ({ response: { statusCode: status, headers: {}, body: undefined } as never }),
    } as never,
  });
}

describe('RequestCounter (the bench counts AWS requests with it)', () => {
  it('counts each request by service and operation, failures apart', async () => {
    const counter = new RequestCounter();
    const ok = stubbedS3(200);
    counter.attach(ok);
    await ok.send(new PutObjectCommand({ Bucket: 'b', Key: 'k1', Body: 'x' }));
    await ok.send(new PutObjectCommand({ Bucket: 'b', Key: 'k2', Body: 'y' }));
    const failing = stubbedS3(500);
    counter.attach(failing);
    await expect(failing.send(new PutObjectCommand({ Bucket: 'b', Key: 'k3', Body: 'z' }))).rejects.toBeDefined();
    const put = counter.counts().find((c) => c.operation.startsWith('PutObject'))!;
    expect(put).toMatchObject({ requests: 3, errors: 1 });
    expect(put.service).toMatch(/S3/i);
    expect(counter.total()).toBe(3);
    counter.reset();
    expect(counter.total()).toBe(0);
  });

  it('refuses what is not an SDK client', () => {
    expect(() => new RequestCounter().attach({})).toThrowError(RequestCounterError);
  });
});
