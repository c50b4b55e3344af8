import { Arn, Duration, Stack, Token } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { CHECKPOINTS_PREFIX } from '../core/layout';
import type { AlertChannel } from './alerts';
import type { FunctionWiring } from './audit-trail-environment';
import type { AuditTrailProps, ResolvedAuditTrailProps } from './audit-trail-props';
import { RECONCILE_SWEEP_INTERVAL, SEAL_INTERVAL, WATCHDOG_INTERVAL } from './audit-trail-settings';
import { grantChainWriter, grantSealer, grantTrailList, grantTrailRead, grantTrailWatch, grantWitnessWrite } from './permissions';
import { TrailFunction } from './trail-function';

// The functions that run on a schedule: seal, reconcile's sweep, the watchdog.

/**
 * Seal: on a fixed schedule, including when nothing happened, so a
 * truncated tail shows up as a checkpoint that stopped growing.
 */
export function addSeal(scope: Construct, wiring: FunctionWiring, props: AuditTrailProps, alerts: AlertChannel, scheduleName: string): TrailFunction {
  const seal = new TrailFunction(scope, 'Seal', wiring.fnProps('seal', 'immutrail: signs a checkpoint over every shard', Duration.minutes(5), 1024));
  grantSealer(seal.role, wiring.resources);
  if (props.witnessBucket) grantWitnessWrite(seal.role, props.witnessBucket, CHECKPOINTS_PREFIX);
  schedule(scope, 'SealSchedule', scheduleName, SEAL_INTERVAL, seal.fn);
  alerts.alarmAbove(
    'SealErrorsAlarm',
    seal.fn.metricErrors({ period: Duration.minutes(15), statistic: 'Sum' }),
    0,
    'immutrail: the seal function failed; no new signed checkpoint covers the latest records.',
  );
  return seal;
}

/**
 * Reconcile: new log files reach ingest through the objects rule; reconcile
 * sweeps the trail bucket every hour for any whose notification was lost.
 */
export function addReconcile(
  scope: Construct,
  wiring: FunctionWiring,
  config: ResolvedAuditTrailProps,
  trail: { bucket: s3.IBucket; key: kms.IKey | undefined },
  scheduleName: string,
): lambda.IFunction {
  const reconcile = new TrailFunction(
    scope,
    'Reconcile',
    wiring.fnProps('reconcile', "immutrail: backfills events from the trail's own log files", Duration.minutes(5), 1024),
  );
  grantChainWriter(reconcile.role, wiring.resources);
  grantTrailRead(reconcile.role, trail.bucket, config.trailPrefix, trail.key);
  wiring.trailReaders.push(reconcile.role);
  schedule(scope, 'ReconcileSweep', scheduleName, RECONCILE_SWEEP_INTERVAL, reconcile.fn);
  return reconcile.fn;
}

/** Watchdog: the trail is logging, and deliveries per account and region keep arriving (lib/watchdog/trail-deliveries.ts). */
export function addWatchdog(
  scope: Construct,
  wiring: FunctionWiring,
  config: ResolvedAuditTrailProps,
  props: AuditTrailProps,
  scheduleName: string,
): lambda.IFunction {
  const watchdog = new TrailFunction(
    scope,
    'Watchdog',
    wiring.fnProps('watchdog', 'immutrail: checks the trail is logging and events keep arriving', Duration.minutes(1), 256),
  );
  grantChainWriter(watchdog.role, wiring.resources);
  if (props.trailName) grantTrailWatch(watchdog.role, trailArn(scope, props.trailName));
  if (props.trailBucket) {
    grantTrailList(watchdog.role, props.trailBucket, config.trailPrefix);
    wiring.trailListers.push(watchdog.role);
  }
  schedule(scope, 'WatchdogSchedule', scheduleName, WATCHDOG_INTERVAL, watchdog.fn);
  return watchdog.fn;
}

function schedule(scope: Construct, id: string, ruleName: string, every: Duration, fn: lambda.IFunction): events.Rule {
  return new events.Rule(scope, id, {
    ruleName,
    description: `immutrail: run ${fn.node.scope?.node.id ?? 'function'} every ${every.toHumanString()}`,
    schedule: events.Schedule.rate(every),
    targets: [new targets.LambdaFunction(fn, { retryAttempts: 2 })],
  });
}

function trailArn(scope: Construct, trailName: string): string {
  if (!Token.isUnresolved(trailName) && trailName.startsWith('arn:')) return trailName;
  return Arn.format({ service: 'cloudtrail', resource: 'trail', resourceName: trailName }, Stack.of(scope));
}
