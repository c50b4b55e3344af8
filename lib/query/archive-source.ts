import type { Dirent } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { GetObjectCommand, paginateListObjectsV2, type S3Client } from '@aws-sdk/client-s3';
import type { ArchiveSource } from '../core/archive-source';
import { RECORDS_PREFIX } from '../core/layout';
import { QueryError } from './errors';

// The local engine reads the archive through the one ArchiveSource shape
// (lib/core/archive-source.ts). These two adapters add what the engine needs on
// top: every read failure becomes QueryError ARCHIVE_READ_FAILED, naming the object.

/** Every object key under records/ (batch objects and anything else; the caller filters). */
export async function recordKeys(source: ArchiveSource): Promise<string[]> {
  const keys: string[] = [];
  for await (const o of source.list(RECORDS_PREFIX)) keys.push(o.key);
  return keys;
}

export function s3ArchiveSource(s3: S3Client, bucket: string): ArchiveSource {
  return {
    describe: () => `s3://${bucket}`,
    async *list(prefix) {
      for await (const page of paginateListObjectsV2({ client: s3 }, { Bucket: bucket, Prefix: prefix })) {
        for (const o of page.Contents ?? []) if (o.Key) yield { key: o.Key, size: o.Size };
      }
    },
    async get(key) {
      try {
        const res = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        if (!res.Body) throw new Error('empty body');
        return Buffer.from(await res.Body.transformToByteArray());
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
    describe: () => dir,
    async *list(prefix) {
      // Walk from the deepest folder the prefix names; keep the keys that start with it.
      const root = join(
        dir,
        ...prefix
          .slice(0, prefix.lastIndexOf('/') + 1)
          .split('/')
          .filter(Boolean),
      );
      let entries: Dirent[];
      try {
        entries = await readdir(root, { recursive: true, withFileTypes: true });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
        throw new QueryError('ARCHIVE_READ_FAILED', `cannot list ${root}: ${(err as Error).message}`, { cause: err });
      }
      const keys = entries.filter((e) => e.isFile()).map((e) => toKey(join(e.parentPath, e.name)));
      for (const key of keys.filter((k) => k.startsWith(prefix)).sort()) yield { key };
    },
    async get(key) {
      try {
        return await readFile(join(dir, ...key.split('/')));
      } catch (err) {
        throw new QueryError('ARCHIVE_READ_FAILED', `cannot read ${join(dir, key)}: ${(err as Error).message}`, { cause: err });
      }
    },
  };
}
