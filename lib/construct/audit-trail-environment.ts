import type { Duration } from 'aws-cdk-lib';
import type * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import type { ProtectedResources } from '../core/detect/config';
import type { AuditTrailProps, ResolvedAuditTrailProps } from './audit-trail-props';
import type { TrailIntake } from './audit-trail-intake';
import { DETECTING_FUNCTIONS, USER_SIGMA_RULES_IN_BUNDLE } from './audit-trail-settings';
import type { TrailStorage } from './audit-trail-storage';
import { handlerEnvironment } from './handler-environment';
import { STAGING_LIVE_PREFIX } from './objects-pattern';
import type { TrailResources } from './permissions';
import { FUNCTION_NAME_MAX, RULE_NAME_MAX, physicalName } from './physical-names';
import type { TrailFunctionKind, TrailFunctionProps } from './trail-function';

// What every function of the trail is given: the shared environment (with the
// auditor's own resources the detectors protect), its props, its grants.

export type FunctionPropsOf = (kind: TrailFunctionKind, description: string, timeout: Duration, memorySize: number) => TrailFunctionProps;

/** The names of the schedule rules, known before deployment: the protected resources list them. */
export type ScheduleNames = { seal: string; reconcile: string; watchdog: string };

/** What the functions are wired with: their props, what they are granted, and the role lists the trail's log-archive policies name. */
export interface FunctionWiring {
  readonly fnProps: FunctionPropsOf;
  readonly resources: TrailResources;
  /** The roles that read the trail's log files (AuditTrail.trailReaders). */
  readonly trailReaders: iam.IRole[];
  /** The roles that only list the trail bucket (AuditTrail.trailListers). */
  readonly trailListers: iam.IRole[];
}

export function scheduleNamesOf(scope: Construct): ScheduleNames {
  return {
    seal: physicalName(scope, 'seal-schedule', RULE_NAME_MAX),
    reconcile: physicalName(scope, 'reconcile-sweep', RULE_NAME_MAX),
    watchdog: physicalName(scope, 'watchdog-schedule', RULE_NAME_MAX),
  };
}

/** Every function's props: the shared environment, and the Sigma rules bundled beside the handlers that run detectors. */
export function functionPropsOf(environment: Record<string, string>, userRulesDir: string | undefined): FunctionPropsOf {
  return (kind, description, timeout, memorySize) => ({
    kind,
    description,
    timeout,
    memorySize,
    environment,
    logRetention: logs.RetentionDays.ONE_YEAR,
    ...(DETECTING_FUNCTIONS.includes(kind) ? { sigmaRules: { userRulesDir, userRulesInBundle: USER_SIGMA_RULES_IN_BUNDLE } } : {}),
  });
}

/** What the environment is built from. */
export interface EnvironmentInput {
  readonly config: ResolvedAuditTrailProps;
  readonly props: AuditTrailProps;
  readonly store: TrailStorage;
  readonly intake: TrailIntake;
  readonly scheduleNames: ScheduleNames;
  readonly origin: string;
}

/** Every function's environment: where the archive, table, key and topic are, and what the detectors protect. */
export function environmentOf(scope: Construct, input: EnvironmentInput): Record<string, string> {
  const { config, props, store, intake } = input;
  return handlerEnvironment(scope, {
    config,
    archiveBucket: store.archive.bucket.bucketName,
    table: store.index.table.tableName,
    signingKeyArn: store.keys.signingKey.keyArn,
    alertTopicArn: store.alerts.topic.topicArn,
    origin: input.origin,
    attestationKeyArns: config.attestationKeys.map((k) => k.keyArn),
    protectedResources: protectedResources(scope, input),
    witnessBucket: props.witnessBucket?.bucketName,
    trailName: props.trailName,
    trailBucket: props.trailBucket?.bucketName,
    stagingBucket: intake.staging.bucket.bucketName,
    stagingPrefix: STAGING_LIVE_PREFIX,
    ...(props.userSigmaRulesDir ? { userSigmaRuleDir: USER_SIGMA_RULES_IN_BUNDLE } : {}),
  });
}

/**
 * The auditor's own resources: any change to one is an "auditor tampering"
 * alert (lib/core/detect/auditor-tampering.ts). An empty trails list means
 * every trail counts, which is right when the stack watches none in particular.
 */
function protectedResources(scope: Construct, { config, props, store, intake, scheduleNames }: EnvironmentInput): ProtectedResources {
  const reconcileEnabled = props.trailBucket !== undefined;
  const functionKinds: TrailFunctionKind[] = [
    'ingest',
    'seal',
    ...(reconcileEnabled ? (['reconcile'] as const) : []),
    ...(config.watchdogEnabled ? (['watchdog'] as const) : []),
  ];
  const { archive, keys } = store;
  return {
    buckets: [archive.bucket.bucketName, ...(archive.logBucket ? [archive.logBucket.bucketName] : []), intake.staging.bucket.bucketName],
    tables: [store.index.table.tableName],
    queues: [intake.ingestQueue.queue.queueArn, intake.ingestQueue.deadLetterQueue.queueArn, intake.ingestQueue.deliveryFailureQueue.queueArn],
    rules: [
      ...intake.capture.ruleNames,
      intake.objects.ruleName,
      scheduleNames.seal,
      ...(reconcileEnabled ? [scheduleNames.reconcile] : []),
      ...(config.watchdogEnabled ? [scheduleNames.watchdog] : []),
    ],
    keys: [keys.dataKey.keyArn, keys.signingKey.keyArn],
    functions: functionKinds.map((k) => physicalName(scope, k, FUNCTION_NAME_MAX)),
    trails: props.trailName ? [props.trailName] : [],
    topics: [store.alerts.topic.topicArn],
  };
}
