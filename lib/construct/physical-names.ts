import { createHash } from 'node:crypto';
import { Stack, Token } from 'aws-cdk-lib';
import type { Construct } from 'constructs';

/**
 * Deterministic physical names for resources that must be known before
 * deployment: the functions and rules listed in the protected-resources
 * document the handlers read (a token there would make a function depend on
 * itself through its own environment), and the live lane's delivery stream
 * (its alarm names it).
 *
 * Shape: <stackName>-<constructId>-<purpose>, shortened with a hash suffix when
 * it would exceed the service's limit, so two trails never collide.
 */
export function physicalName(scope: Construct, purpose: string, maxLength: number): string {
  const stackName = Stack.of(scope).stackName;
  if (Token.isUnresolved(stackName)) {
    throw new Error('immutrail needs a concrete stack name to derive resource names');
  }
  const full = sanitize(`${stackName}-${scope.node.id}-${purpose}`);
  if (full.length <= maxLength) return full;
  const hash = createHash('sha256').update(full).digest('hex').slice(0, 8);
  const tail = `-${sanitize(purpose)}-${hash}`;
  return `${full.slice(0, Math.max(1, maxLength - tail.length))}${tail}`.slice(0, maxLength);
}

function sanitize(s: string): string {
  return s.replace(/[^A-Za-z0-9-]/g, '-');
}

/** Lambda function names: 64 characters. */
export const FUNCTION_NAME_MAX = 64;
/** EventBridge rule names: 64 characters. */
export const RULE_NAME_MAX = 64;
