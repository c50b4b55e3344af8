import * as sources from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import type { FunctionWiring } from './audit-trail-environment';
import type { AuditTrailProps, ResolvedAuditTrailProps } from './audit-trail-props';
import { INGEST_BATCHING_WINDOW, INGEST_BATCH_SIZE, INGEST_MAX_CONCURRENCY, INGEST_MEMORY_MB, INGEST_TIMEOUT } from './audit-trail-settings';
import { STAGING_LIVE_PREFIX } from './objects-pattern';
import { grantChainWriter, grantStagingRead, grantTrailRead } from './permissions';
import type { StagingBucket } from './staging-bucket';
import { TrailFunction } from './trail-function';

/**
 * Ingest: the objects queue is the event source. Each message names a
 * staged object or a trail log file; the function reads it, routes every
 * event to its shard by content and commits each shard's events at once.
 * A failed message is reported back alone, and after MAX_RECEIVE_COUNT
 * tries moves to the DLQ.
 */
export function addIngest(
  scope: Construct,
  wiring: FunctionWiring,
  config: ResolvedAuditTrailProps,
  props: AuditTrailProps,
  intake: { staging: StagingBucket; queue: sqs.IQueue },
): TrailFunction {
  const ingest = new TrailFunction(
    scope,
    'Ingest',
    wiring.fnProps('ingest', 'immutrail: chains staged events and trail log files into WORM records', INGEST_TIMEOUT, INGEST_MEMORY_MB),
  );
  grantChainWriter(ingest.role, wiring.resources);
  grantStagingRead(ingest.role, intake.staging.bucket, STAGING_LIVE_PREFIX);
  if (props.trailBucket) {
    grantTrailRead(ingest.role, props.trailBucket, config.trailPrefix, props.trailKey);
    wiring.trailReaders.push(ingest.role);
  }
  ingest.fn.addEventSource(
    new sources.SqsEventSource(intake.queue, {
      batchSize: INGEST_BATCH_SIZE,
      maxBatchingWindow: INGEST_BATCHING_WINDOW,
      reportBatchItemFailures: true,
      maxConcurrency: INGEST_MAX_CONCURRENCY,
    }),
  );
  return ingest;
}
