import { GetObjectCommand, ListObjectsV2Command, S3Client, type GetObjectCommandOutput } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { s3ArchiveSource } from '../../../lib/query/archive-source';
import { DuckDbQueryEngine } from '../../../lib/query/duckdb-engine';
import { E, buildScenario } from './scenario';

const s3 = mockClient(S3Client);

const body = (text: string) => ({ Body: { transformToByteArray: async () => Buffer.from(text) } }) as unknown as GetObjectCommandOutput;

describe('reading the archive through the S3 API', () => {
  beforeEach(() => s3.reset());

  it('lists every page under records/ and loads every batch object into DuckDB', async () => {
    const { builder, tipGhost } = buildScenario();
    const keys = [...builder.objects.keys()];
    const half = Math.ceil(keys.length / 2);
    // the paginator reuses its input object, so the calls are recorded here as they happen
    const listed: [string | undefined, string | undefined, string | undefined][] = [];
    s3.on(ListObjectsV2Command).callsFake((input) =>
      listed.push([input.Bucket, input.Prefix, input.ContinuationToken]) && input.ContinuationToken === undefined
        ? { Contents: keys.slice(0, half).map((Key) => ({ Key })), IsTruncated: true, NextContinuationToken: 'next' }
        : { Contents: keys.slice(half).map((Key) => ({ Key })), IsTruncated: false },
    );
    s3.on(GetObjectCommand).callsFake((input) => body(builder.objects.get(input.Key!)!));

    const engine = await DuckDbQueryEngine.fromS3(new S3Client({ region: 'us-east-1' }), 'archive', {
      orphanKeys: [tipGhost.key],
      concurrency: 4,
    });
    try {
      expect(listed).toEqual([
        ['archive', 'records/', undefined],
        ['archive', 'records/', 'next'],
      ]);
      const fetched = s3
        .commandCalls(GetObjectCommand)
        .map((c) => c.args[0].input.Key)
        .sort();
      expect(fetched).toEqual(keys.filter((k) => k !== tipGhost.key).sort());
      expect(engine.stats.objects).toBe(keys.length - 1);
      const r = await engine.run({ name: 'iam-changes' });
      expect(r.rows.map((row) => row[r.columns.indexOf('event_id')])).toEqual([E.aliceCreatesKey.eventId, E.alicePutsPolicy.eventId]);
    } finally {
      await engine.close();
    }
  });

  it('names the object it could not read', async () => {
    s3.on(GetObjectCommand).rejects(new Error('AccessDenied'));
    await expect(s3ArchiveSource(new S3Client({ region: 'us-east-1' }), 'archive').get('records/x')).rejects.toMatchObject({
      code: 'ARCHIVE_READ_FAILED',
      message: expect.stringContaining('s3://archive/records/x'),
    });
  });

  it('stops loading at the first unreadable object', async () => {
    const { builder } = buildScenario();
    const keys = [...builder.objects.keys()];
    s3.on(ListObjectsV2Command).resolves({ Contents: keys.map((Key) => ({ Key })) });
    s3.on(GetObjectCommand).callsFake((input) => {
      if (input.Key === keys[2]) throw new Error('SlowDown');
      return body(builder.objects.get(input.Key!)!);
    });
    await expect(DuckDbQueryEngine.fromS3(new S3Client({ region: 'us-east-1' }), 'archive', { concurrency: 2 })).rejects.toMatchObject({
      code: 'ARCHIVE_READ_FAILED',
      message: expect.stringContaining(keys[2]),
    });
  });
});
