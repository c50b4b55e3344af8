import { Stack } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { ENV, type EnvName } from '../contract/runtime-config';
import { accountDetectionJson } from './account-detection';
import type { ResolvedAuditTrailProps } from './audit-trail-props';
import type { ProtectedResources } from '../core/detect/config';

export interface HandlerEnvironmentInput {
  readonly config: ResolvedAuditTrailProps;
  readonly archiveBucket: string;
  readonly table: string;
  readonly signingKeyArn: string;
  readonly alertTopicArn: string;
  readonly origin: string;
  readonly attestationKeyArns: readonly string[];
  readonly protectedResources: ProtectedResources;
  readonly witnessBucket?: string;
  readonly trailName?: string;
  readonly trailBucket?: string;
  /** The live lane's staging bucket and the prefix of its staged objects. */
  readonly stagingBucket: string;
  readonly stagingPrefix: string;
  /** Where the user's Sigma rules are inside the bundle, when there are any. */
  readonly userSigmaRuleDir?: string;
}

/**
 * The one environment every handler gets (the contract is ENV in
 * lib/contract/runtime-config.ts). All handlers share it so configuration has one
 * shape; values holding CloudFormation tokens are rendered with
 * Stack.toJsonString so they resolve at deploy time.
 */
export function handlerEnvironment(scope: Construct, input: HandlerEnvironmentInput): Record<string, string> {
  const stack = Stack.of(scope);
  const c = input.config;
  const env: Partial<Record<EnvName, string>> = {
    [ENV.archiveBucket]: input.archiveBucket,
    [ENV.table]: input.table,
    [ENV.signingKeyId]: input.signingKeyArn,
    [ENV.alertTopicArn]: input.alertTopicArn,
    [ENV.origin]: input.origin,
    [ENV.retentionDays]: String(c.retentionDays),
    [ENV.deployerPrincipals]: JSON.stringify(c.deployerPrincipals),
    [ENV.immutableScope]: JSON.stringify(c.immutableScope),
    [ENV.attestationKeyIds]: stack.toJsonString(input.attestationKeyArns),
    [ENV.protectedResources]: stack.toJsonString(input.protectedResources),
    [ENV.accountDetection]: accountDetectionJson(scope, c.accountDetection),
    [ENV.alertSuppressSeconds]: String(c.alertSuppressSeconds),
    [ENV.silenceMinutes]: String(c.silenceMinutes),
    [ENV.captureReadOnly]: String(c.capture.captureReadOnlyApiCalls),
    [ENV.shardPlan]: JSON.stringify(c.plan),
    [ENV.stagingBucket]: input.stagingBucket,
    [ENV.stagingPrefix]: input.stagingPrefix,
  };
  if (c.capture.apiCallSources) env[ENV.apiCallSources] = JSON.stringify(c.capture.apiCallSources);
  if (input.userSigmaRuleDir) env[ENV.userSigmaRuleDir] = input.userSigmaRuleDir;
  if (input.witnessBucket) env[ENV.witnessBucket] = input.witnessBucket;
  if (input.trailName) env[ENV.trailName] = input.trailName;
  if (input.trailBucket) {
    env[ENV.trailBucket] = input.trailBucket;
    env[ENV.trailPrefix] = c.trailPrefix;
    // The watchdog's per-account delivery check reads the trail bucket's key names.
    env[ENV.accountSilenceHours] = String(c.accountSilenceHours);
    if (c.expectedAccounts.length > 0) env[ENV.expectedAccounts] = JSON.stringify(c.expectedAccounts);
  }
  return env as Record<string, string>;
}
