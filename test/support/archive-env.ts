import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { randomUUID } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ArchiveWriter } from '../../lib/aws/archive-writer';
import { ChainStore } from '../../lib/aws/chain-store';
import { CheckpointStore } from '../../lib/aws/checkpoint-store';
import { clientConfig, type AwsTarget } from '../../lib/aws/client-config';
import { S3Source } from '../../lib/aws/s3-source';
import { LocalSigner } from '../../lib/core/local-signer';
import type { CommitDeps } from '../../lib/commit/commit';
import { ensureTable } from '../../lib/local/provision-table';

/**
 * An archive on moto with a plain (unlocked) bucket, so tests can tamper with
 * it the way an attacker with write access to a copy would.
 */
export interface TestArchive {
  s3: S3Client;
  ddb: DynamoDBClient;
  bucket: string;
  table: string;
  origin: string;
  store: ChainStore;
  writer: ArchiveWriter;
  checkpoints: CheckpointStore;
  signer: LocalSigner;
  source: S3Source;
  commitDeps(extra?: Partial<CommitDeps>): CommitDeps;
}

export async function createTestArchive(target: AwsTarget): Promise<TestArchive> {
  const s3 = new S3Client(clientConfig(target));
  const ddb = new DynamoDBClient(clientConfig(target));
  const suffix = randomUUID().slice(0, 8);
  const bucket = `immutrail-test-${suffix}`;
  const table = `immutrail-test-${suffix}`;
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  await ensureTable(ddb, table);
  const origin = `immutrail.test/${suffix}`;
  const store = new ChainStore(ddb, table);
  const writer = new ArchiveWriter(s3, { bucket, retentionDays: 0 });
  return {
    s3,
    ddb,
    bucket,
    table,
    origin,
    store,
    writer,
    checkpoints: new CheckpointStore(s3, ddb, { bucket, table, retentionDays: 0 }),
    signer: new LocalSigner(origin),
    source: new S3Source(s3, bucket),
    commitDeps: (extra = {}) => ({ store, archive: writer, origin, ...extra }),
  };
}

/** An `aws s3 sync` of the archive's bucket into a folder, as an auditor would receive it. */
export async function exportArchive(archive: Pick<TestArchive, 'source'>, dir: string): Promise<void> {
  for await (const o of archive.source.list('')) {
    const path = join(dir, ...o.key.split('/'));
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, await archive.source.get(o.key));
  }
}

/**
 * A shard's batch files in an exported archive, in sequence order, leaving out
 * those holding any of `skipIds` (tests use it to set an injected orphan aside).
 */
export function shardBatchFiles(dir: string, shard: string, skipIds: readonly string[] = []): string[] {
  const root = join(dir, 'records', `shard=${shard}`);
  return readdirSync(root, { recursive: true })
    .map(String)
    .filter((p) => p.endsWith('.ndjson'))
    .map((p) => join(root, p))
    .filter((p) => !skipIds.some((id) => readFileSync(p, 'utf8').includes(`"id":${JSON.stringify(id)}`)))
    .sort((a, b) => (a.split('/').pop()! < b.split('/').pop()! ? -1 : 1));
}

/** The record lines of one batch file. */
export const recordLines = (path: string): string[] => readFileSync(path, 'utf8').split('\n').filter(Boolean);
