import {
  GetEventSelectorsCommand,
  GetTrailCommand,
  GetTrailStatusCommand,
  type CloudTrailClient,
  type GetEventSelectorsResponse,
  type GetTrailStatusResponse,
  type Trail,
} from '@aws-sdk/client-cloudtrail';
import type { JsonObject } from '../core/json';
import type { Severity } from '../core/alert';
import { managementWriteCoverage } from './selectors';

/** What CloudTrail says about the watched trail. */
export type TrailFacts =
  | { name: string; state: 'missing' }
  /** The watchdog could not ask (permissions taken away, the API failing): as bad as not knowing. */
  | { name: string; state: 'unknown'; error: string }
  | { name: string; state: 'found'; trail: Trail; status: GetTrailStatusResponse; selectors: GetEventSelectorsResponse };

export type WatchdogCheck =
  | 'trail-missing'
  | 'trail-unknown'
  | 'not-logging'
  | 'single-region'
  | 'validation-off'
  | 'selectors'
  | 'silence'
  // Deliveries per account and region of the trail bucket (account-coverage.ts).
  | 'account-silent'
  | 'region-silent'
  | 'coverage-capped'
  | 'coverage-unknown';

/** One thing wrong, before it becomes an alert. */
export interface WatchdogFinding {
  check: WatchdogCheck;
  severity: Severity;
  summary: string;
  details: JsonObject;
  /** What the alert names (an account, the trail bucket); the watched trail when absent. */
  resource?: string;
}

const isNotFound = (err: unknown): boolean => (err as Error).name === 'TrailNotFoundException';

export async function fetchTrailFacts(ct: CloudTrailClient, name: string): Promise<TrailFacts> {
  try {
    const { Trail: trail } = await ct.send(new GetTrailCommand({ Name: name }));
    if (!trail) return { name, state: 'missing' };
    // The ARN reaches the trail from any region (a multi-region trail's shadow copies included).
    const id = trail.TrailARN ?? name;
    const [status, selectors] = await Promise.all([ct.send(new GetTrailStatusCommand({ Name: id })), ct.send(new GetEventSelectorsCommand({ TrailName: id }))]);
    return { name, state: 'found', trail, status, selectors };
  } catch (err) {
    if (isNotFound(err)) return { name, state: 'missing' };
    const e = err as Error;
    return { name, state: 'unknown', error: `${e.name}: ${e.message}` };
  }
}

/**
 * Everything wrong with the trail: it must exist, be logging, be multi-region,
 * have log file validation on, and its selectors must still log management
 * write events. Each is critical: without it events go unrecorded or unprovable.
 */
export function trailFindings(facts: TrailFacts): WatchdogFinding[] {
  const name = facts.name;
  if (facts.state === 'missing') {
    return [{ check: 'trail-missing', severity: 'critical', summary: `CloudTrail trail ${name} no longer exists`, details: { trail: name } }];
  }
  if (facts.state === 'unknown') {
    return [
      {
        check: 'trail-unknown',
        severity: 'critical',
        summary: `cannot read CloudTrail trail ${name}: ${facts.error}`,
        details: { trail: name, error: facts.error },
      },
    ];
  }
  const { trail, status, selectors } = facts;
  const arn = trail.TrailARN ?? name;
  const out: WatchdogFinding[] = [];
  if (status.IsLogging !== true) {
    out.push({
      check: 'not-logging',
      severity: 'critical',
      summary: `CloudTrail trail ${name} is not logging`,
      details: { trail: arn, stopLoggingTime: status.StopLoggingTime?.toISOString() ?? null },
    });
  }
  if (trail.IsMultiRegionTrail !== true) {
    out.push({
      check: 'single-region',
      severity: 'critical',
      summary: `CloudTrail trail ${name} records one region only (${trail.HomeRegion ?? 'unknown'})`,
      details: { trail: arn, homeRegion: trail.HomeRegion ?? null },
    });
  }
  if (trail.LogFileValidationEnabled !== true) {
    out.push({
      check: 'validation-off',
      severity: 'critical',
      summary: `CloudTrail trail ${name} has log file validation turned off`,
      details: { trail: arn },
    });
  }
  const coverage = managementWriteCoverage(selectors);
  if (coverage.covered === 'none') {
    out.push({
      check: 'selectors',
      severity: 'critical',
      summary: `CloudTrail trail ${name} no longer logs management write events (${coverage.selectors} event selectors)`,
      details: { trail: arn, selectors: coverage.selectors },
    });
  } else if (coverage.covered === 'partial') {
    out.push({
      check: 'selectors',
      severity: 'high',
      summary: `CloudTrail trail ${name} leaves management events out: ${coverage.exclusions.join(', ')}`,
      details: { trail: arn, selectors: coverage.selectors, exclusions: coverage.exclusions },
    });
  }
  return out;
}
