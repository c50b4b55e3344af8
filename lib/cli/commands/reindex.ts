import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import type { Command } from 'commander';
import { ChainStore } from '../../aws/chain-store';
import { clientConfig } from '../../aws/client-config';
import { committedBatches } from '../../aws/committed-batches';
import { S3Source } from '../../aws/s3-source';
import { TimelineIndex } from '../../aws/timeline-index';
import type { AuditRecord } from '../../core/record';
import { progressBar } from '../progress';
import { need, resolveTarget, type TargetOptions } from '../target';
import { targetOptions } from './shared-options';

/** Rebuilds the derived index (resource and principal timelines) from the committed archive. */
export function registerReindex(program: Command): void {
  targetOptions(program.command('reindex').description('rebuild the resource and principal timelines from the archive (they are derived data)')).action(
    async (flags: TargetOptions) => {
      const t = await resolveTarget(flags);
      const table = need(t.table, '--table (or --stack)');
      const ddb = new DynamoDBClient(clientConfig(t.aws));
      const source = new S3Source(new S3Client(clientConfig(t.aws)), need(t.bucket, '--bucket (or --stack)'));
      const index = new TimelineIndex(ddb, table);
      const bar = progressBar('reindexing');
      let objects = 0;
      let items = 0;
      for (const shard of await new ChainStore(ddb, table).shards()) {
        for await (const b of committedBatches(ddb, table, shard)) {
          const records = (await source.get(b.key))
            .toString('utf8')
            .split('\n')
            .filter(Boolean)
            .map((l) => JSON.parse(l) as AuditRecord);
          items += await index.write(records);
          bar.update(++objects, objects);
        }
      }
      bar.stop();
      process.stdout.write(`reindexed ${objects} committed objects: ${items} timeline items written\n`);
    },
  );
}
