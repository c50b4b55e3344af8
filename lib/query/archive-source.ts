import type { Dirent } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { GetObjectCommand, paginateListObjectsV2, type S3Client } from '@aws-sdk/client-s3';
import { RECORDS_PREFIX } from '../core/layout';
import { QueryError } from './errors';

/** Where the local engine reads batch objects from: the archive bucket through the SDK, or a copy of it on disk. */
export interface ArchiveSource {
  /** For messages: s3://bucket or the directory. */
  readonly location: string;
  /** Every object key under records/ (batch objects and anything else; the caller filters). */
  listKeys(): Promise<string[]>;
  read(key: string): Promise<string>;
}

export function s3ArchiveSource(s3: S3Client, bucket: string): ArchiveSource {
  return {
    location: `s3://${bucket}`,
    async listKeys() {
      const keys: string[] = [];
      for await (const page of paginateListObjectsV2({ client: s3 }, { Bucket: bucket, Prefix: RECORDS_PREFIX })) {
        for (const o of page.Contents ?? []) if (o.Key) keys.push(o.Key);
      }
      return keys;
    },
    async read(key) {
      try {
        const res = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        if (!res.Body) throw new Error('empty body');
        return await res.Body.transformToString('utf-8');
      } catch (err) {
        throw new QueryError('ARCHIVE_READ_FAILED', `cannot read s3://${bucket}/${key}: ${(err as Error).message}`, { cause: err });
      }
    },
  };
}

/** A directory laid out like the bucket (e.g. after `aws s3 sync s3://archive dir`): keys are paths relative to it. */
export function directoryArchiveSource(dir: string): ArchiveSource {
  const toKey = (path: string): string => relative(dir, path).split(sep).join('/');
  return {
    location: dir,
    async listKeys() {
      const root = join(dir, RECORDS_PREFIX);
      let entries: Dirent[];
      try {
        entries = await readdir(root, { recursive: true, withFileTypes: true });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
        throw new QueryError('ARCHIVE_READ_FAILED', `cannot list ${root}: ${(err as Error).message}`, { cause: err });
      }
      return entries
        .filter((e) => e.isFile())
        .map((e) => toKey(join(e.parentPath, e.name)))
        .sort();
    },
    async read(key) {
      try {
        return await readFile(join(dir, ...key.split('/')), 'utf-8');
      } catch (err) {
        throw new QueryError('ARCHIVE_READ_FAILED', `cannot read ${join(dir, key)}: ${(err as Error).message}`, { cause: err });
      }
    },
  };
}
