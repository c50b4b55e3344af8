import type { Alert } from '../alert';
import { auditorTamperingDetector } from './auditor-tampering';
import { driftDetector } from './drift';
import { sigmaDetector } from './sigma/detector';
import type { DetectionContext, Detector, EventRecord } from './types';
import { unsignedLaunchDetector } from './unsigned-launch';

/**
 * Every built-in detector, in the order they run and their alerts are
 * reported: the auditor's own safety first, then drift, unsigned launches,
 * and the Sigma rules.
 */
export const DETECTORS: readonly Detector[] = [auditorTamperingDetector, driftDetector, unsignedLaunchDetector, sigmaDetector];

/**
 * Runs the detectors on one committed event record. The result is
 * deterministic for a given record and context, and holds each alert id once
 * (the first detector to raise it wins). A detector that fails (a lookup that
 * throws) fails the whole call, so the caller can retry rather than lose alerts.
 */
export async function runDetectors(
  record: EventRecord,
  ctx: DetectionContext,
  detectors: readonly Detector[] = DETECTORS,
): Promise<Alert[]> {
  const seen = new Set<string>();
  const out: Alert[] = [];
  for (const d of detectors) {
    for (const alert of await d.detect(record, ctx)) {
      if (seen.has(alert.id)) continue;
      seen.add(alert.id);
      out.push(alert);
    }
  }
  return out;
}

export type { AttestationLookup, DetectionContext, Detector, EventRecord, ResourceLookup } from './types';
export { parseDetectionConfig, defaultDetectionConfig, DetectionConfigError, type DetectionConfig } from './config';
export { loadSigmaRules, DEFAULT_SIGMA_RULE_DIR } from './sigma/loader';
export { auditorTamperingDetector, driftDetector, unsignedLaunchDetector, sigmaDetector };
