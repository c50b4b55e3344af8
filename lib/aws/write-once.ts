import { GetObjectCommand, PutObjectCommand, S3ServiceException, type PutObjectCommandInput, type S3Client } from '@aws-sdk/client-s3';
import { ImmutrailError } from '../core/errors';

/** A different object already holds the key: never overwritten, never adopted. */
export class ObjectExistsError extends ImmutrailError {
  readonly code = 'OBJECT_EXISTS';
  constructor(readonly key: string) {
    super(`object ${key} already exists with other content; it is never overwritten`);
  }
}

const isPreconditionFailed = (err: unknown): boolean =>
  err instanceof S3ServiceException && (err.$metadata.httpStatusCode === 412 || err.name === 'PreconditionFailed');

/**
 * PutObject with `If-None-Match: *`. A 412 whose stored bytes equal ours is our
 * own earlier attempt (an SDK retry after a lost response), so it counts as
 * written; any other object at the key is an ObjectExistsError.
 */
export async function putWriteOnce(s3: S3Client, input: PutObjectCommandInput & { Bucket: string; Key: string; Body: Buffer }): Promise<void> {
  try {
    await s3.send(new PutObjectCommand({ ...input, IfNoneMatch: '*', ChecksumAlgorithm: 'SHA256' }));
  } catch (err) {
    if (!isPreconditionFailed(err)) throw err;
    const out = await s3.send(new GetObjectCommand({ Bucket: input.Bucket, Key: input.Key }));
    if (Buffer.from(await out.Body!.transformToByteArray()).equals(input.Body)) return;
    throw new ObjectExistsError(input.Key);
  }
}
