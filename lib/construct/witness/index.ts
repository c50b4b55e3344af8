export { AuditWitness } from './audit-witness';
export type { AuditWitnessProps } from './witness-props';
export { ImmutrailWitnessStack, type ImmutrailWitnessStackProps } from './witness-stack';
export { witnessAccessStatements, type WitnessPrincipal } from './witness-access-policy';
