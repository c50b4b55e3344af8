import { Stack } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';
import { DetectionConfigError, parseAccountDetection } from '../core/detect/config';
import type { ImmutableScopeInput } from './audit-trail-props';
import { AuditTrailConfigError } from '../contract/errors';
import type { ShardRoute } from '../contract/shards';

/**
 * The organization and the per-account detection settings, from the props to
 * IMMUTRAIL_ACCOUNT_DETECTION (parsed by parseAccountDetection in
 * lib/core/detect/config.ts, which is also what validates it here, so a typo
 * fails synthesis instead of a Lambda's init).
 */

/** What one account sets differently from the organization-wide props; each field replaces the organization-wide one whole. */
export interface AccountDetectionOverride {
  /** This account's deployers (same forms as deployerPrincipals). @default the organization-wide deployerPrincipals */
  readonly deployerPrincipals?: readonly string[];
  /** This account's immutable scope. @default the organization-wide immutableScope */
  readonly immutableScope?: ImmutableScopeInput;
  /** The keys whose attestations count for launches in this account. @default the organization-wide attestationKeys */
  readonly attestationKeys?: readonly kms.IKey[];
}

export interface AccountDetectionInput {
  readonly accountOverrides?: Readonly<Record<string, AccountDetectionOverride>>;
  readonly organizationAccounts?: readonly string[];
  readonly organizationId?: string;
  /** Accounts the stack is configured with elsewhere (trail bucket, member stacks): they stand in for the organization. */
  readonly configuredAccounts: readonly string[];
  readonly plan: readonly ShardRoute[];
}

export interface ResolvedAccountDetection {
  readonly overrides: Readonly<Record<string, AccountDetectionOverride>>;
  readonly organizationAccounts: readonly string[] | null;
  readonly organizationId: string | null;
  /** Every account the props name (the stack's own is added at synthesis, where it may be a token). */
  readonly configuredAccounts: readonly string[];
  /** Keys only some accounts trust: the detecting functions need to read their public keys too. */
  readonly overrideKeys: readonly kms.IKey[];
}

export function resolveAccountDetection(input: AccountDetectionInput): ResolvedAccountDetection {
  const overrides = input.accountOverrides ?? {};
  const configured = new Set(input.configuredAccounts);
  for (const r of input.plan) for (const a of r.accounts ?? []) configured.add(a);
  for (const a of Object.keys(overrides)) configured.add(a);
  const resolved: ResolvedAccountDetection = {
    overrides,
    organizationAccounts: input.organizationAccounts ? [...input.organizationAccounts] : null,
    organizationId: input.organizationId ?? null,
    configuredAccounts: [...configured],
    overrideKeys: [...new Set(Object.values(overrides).flatMap((o) => o.attestationKeys ?? []))],
  };
  try {
    // Key ARNs may be tokens until deployment; their place in the JSON is what is checked.
    parseAccountDetection(accountDetectionValue(resolved, [], (k) => `key:${k.node.path}`));
  } catch (err) {
    if (err instanceof DetectionConfigError) throw new AuditTrailConfigError('INVALID_DETECTION_CONFIG', err.message);
    throw err;
  }
  return resolved;
}

function accountDetectionValue(r: ResolvedAccountDetection, stackAccounts: readonly string[], keyId: (k: kms.IKey) => string) {
  const accounts = Object.fromEntries(
    Object.entries(r.overrides).map(([account, o]) => [
      account,
      {
        ...(o.deployerPrincipals ? { deployerPrincipals: [...o.deployerPrincipals] } : {}),
        ...(o.immutableScope ? { immutableScope: o.immutableScope } : {}),
        ...(o.attestationKeys ? { attestationKeyIds: o.attestationKeys.map(keyId) } : {}),
      },
    ]),
  );
  return {
    ...(r.organizationAccounts ? { organizationAccounts: r.organizationAccounts } : {}),
    ...(r.organizationId ? { organizationId: r.organizationId } : {}),
    stackAccounts: [...new Set([...stackAccounts, ...r.configuredAccounts])],
    accounts,
  };
}

/** IMMUTRAIL_ACCOUNT_DETECTION for the handlers; the stack's own account and key ARNs resolve at deployment. */
export function accountDetectionJson(scope: Construct, r: ResolvedAccountDetection): string {
  const stack = Stack.of(scope);
  return stack.toJsonString(accountDetectionValue(r, [stack.account], (k) => k.keyArn));
}
