import { alertFromFinding } from '../alert-factory';
import { apiCallKey, cloudTrailRecordOf, errorCodeOf } from '../cloudtrail';
import { principalLabel } from '../principals';
import type { Detector } from '../types';

/**
 * Runs the loaded Sigma rules (DetectionContext.sigmaRules) on the CloudTrail
 * record of an event: the record itself for trail log files, `detail` for
 * CloudTrail events delivered by EventBridge. Other events never match.
 */
export const sigmaDetector: Detector = {
  name: 'sigma',
  async detect(record, ctx) {
    const rules = ctx.sigmaRules ?? [];
    if (rules.length === 0) return [];
    const { event, raw } = record.data;
    const ct = cloudTrailRecordOf(raw);
    if (!ct) return [];
    const key = apiCallKey(event, ct);
    const who = principalLabel(event.actor) ?? 'unknown principal';
    const errorCode = errorCodeOf(event, ct);
    const resource = event.resources[0] ? (event.resources[0].arn ?? event.resources[0].id) : null;
    return rules
      .filter((rule) => rule.matches(ct))
      .map((rule) =>
        alertFromFinding(record, {
          kind: 'sigma',
          rule: rule.id,
          severity: rule.severity,
          summary: `${rule.title}: ${who} called ${key}${resource ? ` on ${resource}` : ''}`,
          resource,
          details: {
            title: rule.title,
            level: rule.level,
            file: rule.file,
            origin: rule.origin,
            status: rule.status,
            description: rule.description,
            tags: rule.tags,
            action: key,
            // The outcome is part of the suppression fingerprint: a success after a failure is always sent.
            succeeded: errorCode === null,
            errorCode,
          },
        }),
      );
  },
};
