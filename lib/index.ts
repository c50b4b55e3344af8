/**
 * `immutrail`: the CDK constructs. aws-cdk-lib and constructs are peer
 * dependencies (the app's own copies); the offline verifier is
 * `immutrail/verify` (lib/verify-api.ts), which loads neither.
 */
export { AuditTrail } from './construct/audit-trail';
export type { AuditTrailAttributes, AuditTrailMetricName, IAuditTrail } from './construct/audit-trail-ref';
export type { AuditTrailProps, ImmutableScopeInput } from './construct/audit-trail-props';
export { AuditTrailConfigError, type AuditTrailConfigErrorCode } from './contract/errors';
export { MissingLambdaCodeError } from './construct/trail-function';
export { ImmutrailStack, addSecurityChecks, type ImmutrailStackProps } from './immutrail-stack';
export { ImmutrailMemberStack, ImmutrailMemberStage, type AuditTarget, type ImmutrailMemberStackProps, type ImmutrailMemberStageProps } from './member-stack';
export { ImmutrailError } from './core/errors';
export { AuditWitness, ImmutrailWitnessStack, type AuditWitnessProps, type ImmutrailWitnessStackProps } from './construct/witness';
