import { configForAccount, type DetectionConfig } from './config';
import type { DetectionContext } from './types';

/**
 * The detection context for events of one account: its own deployers,
 * immutable scope and attestation keys where it overrides them (see
 * configForAccount). When some account names its own attestation keys, the
 * runtime fetched the public keys of every account's keys
 * (allAttestationKeyIds); each account then trusts only its own, so a key
 * trusted in one account never vouches for a launch in another.
 */
export function contextForAccount(ctx: DetectionContext, account: string | null): DetectionContext {
  const config = configForAccount(ctx.config, account);
  if (!hasAccountKeys(ctx.config)) return config === ctx.config ? ctx : { ...ctx, config };
  const trusted = new Set(config.attestationKeyIds);
  return { ...ctx, config, trustedKeys: ctx.trustedKeys.filter((k) => trusted.has(k.keyName)) };
}

function hasAccountKeys(config: DetectionConfig): boolean {
  return Object.values(config.accountOverrides).some((o) => o.attestationKeyIds !== undefined);
}
