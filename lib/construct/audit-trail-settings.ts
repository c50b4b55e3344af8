import { Duration } from 'aws-cdk-lib';
import { WATCHDOG_SCHEDULE_MINUTES } from '../contract/delivery-window';
import type { TrailFunctionKind } from './trail-function';

// The pipeline's fixed settings: timeouts, sizes, schedules and alarm ages.
// audit-trail.ts re-exports the exported ones (the benchmarks read them there).

/** Ingest handler timeout (a batch of staged objects and log files); the queue's visibility timeout is six times this. */
export const INGEST_TIMEOUT = Duration.minutes(5);
/** 1,769 MB is one full vCPU: parsing, hashing and detection are CPU-bound. */
export const INGEST_MEMORY_MB = 1769;
/** Object notifications per ingest invocation (each names a staged object or a log file of hundreds of events). */
export const INGEST_BATCH_SIZE = 10;
/** How long the event source waits to fill a batch of object notifications. */
export const INGEST_BATCHING_WINDOW = Duration.seconds(10);
/**
 * Concurrent ingest invocations (the event source's minimum). Writers of one
 * shard serialize on its head anyway; more would only race more often.
 */
export const INGEST_MAX_CONCURRENCY = 2;
export const MAX_RECEIVE_COUNT = 5;
export const SEAL_INTERVAL = Duration.minutes(5);
export const RECONCILE_SWEEP_INTERVAL = Duration.hours(1);
/** The watchdog's per-account delivery check runs in the first run of each hour, so it must know the schedule. */
export const WATCHDOG_INTERVAL = Duration.minutes(WATCHDOG_SCHEDULE_MINUTES);
/** An object notification waiting this long in the ingest queue means ingest is stuck or failing. */
export const STUCK_INGEST_AGE = Duration.minutes(15);
/** Staged objects are transient copies (the archive is the record): this long, then S3 expires them. */
export const STAGING_EXPIRATION = Duration.days(14);
/** Firehose holding data this long without delivering it to S3 means the live lane is stuck. */
export const LIVE_DELIVERY_STUCK_AGE = Duration.minutes(15);

/** Functions whose handlers run the detectors (and so load Sigma rules). */
export const DETECTING_FUNCTIONS: readonly TrailFunctionKind[] = ['ingest', 'reconcile'];
/** Where a user's own Sigma rules land inside a function bundle (Lambda unpacks it in /var/task). */
export const USER_SIGMA_RULES_IN_BUNDLE = '/var/task/rules/user';
