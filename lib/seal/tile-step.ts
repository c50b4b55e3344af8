import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';
import { LockedObjects } from '../aws/locked-objects';
import { readLeaves } from '../prove/batch-log';
import { DynamoIndexTable } from '../prove/dynamo-index-table';
import { buildTiles, type LeafReader, type ShardTileReport, type TileBuildOptions, type TileStore } from './tiles';
import { writeWitnessSubmissions, type GrownShardNote } from './witness-submissions';

export interface TileStepResult {
  tiles: ShardTileReport[];
  /** Keys of the add-checkpoint requests written. */
  submissions: string[];
}

/**
 * The seal's step after publishing: extend each grown shard's tiles to its
 * new size, then write the witness requests whose proofs those tiles give.
 * Both are derived data: if this fails, the checkpoint stands, and the next
 * seal of a grown shard retiles from leaf 0 when it finds the previous size's
 * partial tiles missing.
 */
export async function tileAndSubmit(
  store: TileStore,
  leaves: LeafReader,
  notes: readonly GrownShardNote[],
  opts: TileBuildOptions = {},
): Promise<TileStepResult> {
  const tiles = await buildTiles(store, leaves, notes, opts);
  const submissions = await writeWitnessSubmissions(store, notes);
  return { tiles, submissions };
}

/** Record hashes from the DynamoDB batch log (consistent reads: the seal just read the heads that commit them). */
export function batchLogLeaves(ddb: DynamoDBClient, tableName: string): LeafReader {
  const table = new DynamoIndexTable(ddb, tableName);
  return (shard, from, to) => readLeaves(table, shard, from, to, { consistent: true });
}

/** The seal Lambda's tile step: tiles and requests in the archive bucket, locked like every archive object. */
export function archiveTileStep(aws: { ddb: DynamoDBClient; s3: S3Client }, opts: { table: string; bucket: string; retentionDays: number }) {
  const objects = new LockedObjects(aws.s3, { bucket: opts.bucket, retentionDays: opts.retentionDays });
  const store: TileStore = { get: (k) => objects.get(k), put: (k, b) => objects.put(k, b) };
  const leaves = batchLogLeaves(aws.ddb, opts.table);
  return (notes: readonly GrownShardNote[]) => tileAndSubmit(store, leaves, notes);
}
