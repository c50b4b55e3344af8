import type { Alert } from '../alert';
import { contextForAccount } from './account-context';
import { DetectorError } from './detector-failure';
import { auditorTamperingDetector } from './auditor-tampering';
import { driftDetector } from './drift';
import { foreignAccountDetector } from './foreign-account';
import { sigmaDetector } from './sigma/detector';
import type { DetectionContext, Detector, EventRecord } from './types';
import { unsignedLaunchDetector } from './unsigned-launch';

/**
 * Every built-in detector, in the order they run and their alerts are
 * reported: the auditor's own safety first, then drift, unsigned launches,
 * foreign accounts, and the Sigma rules.
 */
export const DETECTORS: readonly Detector[] = [auditorTamperingDetector, driftDetector, unsignedLaunchDetector, foreignAccountDetector, sigmaDetector];

/**
 * Runs the detectors on one committed event record. The result is
 * deterministic for a given record and context, and holds each alert id once
 * (the first detector to raise it wins), without the alerts of Sigma rules a
 * detector in the list supersedes. Detectors see the settings of the
 * event's account (contextForAccount). A detector that fails (a lookup that
 * throws) fails the whole call, so the caller can retry rather than lose alerts.
 */
export async function runDetectors(record: EventRecord, ctx: DetectionContext, detectors: readonly Detector[] = DETECTORS): Promise<Alert[]> {
  const seen = new Set<string>();
  const out: Alert[] = [];
  const accountCtx = contextForAccount(ctx, record.data.event.account);
  const superseded = new Set(detectors.flatMap((d) => d.supersedes ?? []));
  for (const d of detectors) {
    let alerts: Alert[];
    try {
      alerts = await d.detect(record, accountCtx);
    } catch (err) {
      // Say which detector failed: a fail-open commits an alert naming it (lib/core/detect/detector-failure.ts).
      throw new DetectorError(d.name, err);
    }
    for (const alert of alerts) {
      if (seen.has(alert.id) || (alert.kind === 'sigma' && superseded.has(alert.rule))) continue;
      seen.add(alert.id);
      out.push(alert);
    }
  }
  return out;
}

export type { AttestationLookup, DetectionContext, Detector, EventRecord, ResourceLookup } from './types';
export { parseDetectionConfig, defaultDetectionConfig, configForAccount, allAttestationKeyIds, DetectionConfigError, type DetectionConfig } from './config';
export { loadSigmaRules, DEFAULT_SIGMA_RULE_DIR } from './sigma/loader';
export { auditorTamperingDetector, driftDetector, unsignedLaunchDetector, foreignAccountDetector, sigmaDetector };
