import type { Actor } from '../normalized';
import type { DeployerConfig } from './config';
import { compileGlob, type GlobMatcher } from './glob';

/** Why an actor counts as a deployer, for alert details and tests; null when it does not. */
export type DeployerMatch = { by: 'principal'; pattern: string } | { by: 'service'; service: string } | { by: 'service-linked-role' } | { by: 'aws-service' };

const SERVICE_LINKED_ROLE = compileGlob('arn:aws*:iam::*:role/aws-service-role/*');

export interface DeployerMatcher {
  match(actor: Actor): DeployerMatch | null;
}

export function deployerMatcher(cfg: DeployerConfig): DeployerMatcher {
  const principals = cfg.principals.map((p) => ({ pattern: p, m: compileGlob(p) }));
  const services: { service: string; m: GlobMatcher }[] = cfg.services.map((s) => ({ service: s, m: compileGlob(s) }));
  return {
    match(actor) {
      // The session issuer is the role behind an assumed-role session, the
      // stable identity; the caller ARN covers IAM users and session patterns.
      const ids = [actor.sessionIssuerArn, actor.arn].filter((x): x is string => x !== null);
      for (const { pattern, m } of principals) {
        if (ids.some(m)) return { by: 'principal', pattern };
      }
      // CloudFormation calling with the deployer's own credentials shows up as
      // invokedBy (or as the source "IP") cloudformation.amazonaws.com.
      const via = [actor.invokedBy, actor.sourceIp].filter((x): x is string => x !== null);
      for (const { service, m } of services) {
        if (via.some(m)) return { by: 'service', service };
      }
      if (cfg.serviceLinkedRoles) {
        if (ids.some(SERVICE_LINKED_ROLE)) return { by: 'service-linked-role' };
        if (actor.type === 'AWSService') return { by: 'aws-service' };
      }
      return null;
    },
  };
}

/** The most specific name for who acted, as alerts print it. */
export function principalLabel(actor: Actor): string | null {
  return actor.arn ?? actor.sessionIssuerArn ?? actor.userName ?? actor.invokedBy ?? actor.principalId ?? actor.type;
}
