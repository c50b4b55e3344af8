/**
 * The environment variables the detectors' configuration is parsed from. They
 * live here, beside the parsers, so the core needs nothing from the runtime
 * layers; lib/contract/runtime-config.ts spreads them into the full ENV list
 * the construct sets on each Lambda.
 */
export const DETECTION_ENV = {
  /** JSON array of role ARNs or glob patterns allowed to change infrastructure. */
  deployerPrincipals: 'IMMUTRAIL_DEPLOYER_PRINCIPALS',
  /** JSON: {"mode":"all"} | {"mode":"tag","key":"...","value":"..."} | {"mode":"types","types":[...]} */
  immutableScope: 'IMMUTRAIL_IMMUTABLE_SCOPE',
  /** JSON array of KMS key ARNs whose attestations are trusted. */
  attestationKeyIds: 'IMMUTRAIL_ATTESTATION_KEY_IDS',
  /** JSON object naming the stack's own resources, for auditor-tampering detection. */
  protectedResources: 'IMMUTRAIL_PROTECTED_RESOURCES',
  /**
   * JSON: the organization's accounts and per-account overrides of the three above
   * (parseAccountDetection in lib/core/detect/config.ts); absent = one organization-wide setting.
   */
  accountDetection: 'IMMUTRAIL_ACCOUNT_DETECTION',
  /** Whole seconds an identical alert is suppressed for; 0 disables suppression (lib/core/detect/suppression.ts). */
  alertSuppressSeconds: 'IMMUTRAIL_ALERT_SUPPRESS_SECONDS',
} as const;
