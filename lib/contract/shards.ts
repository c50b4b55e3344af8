/**
 * The shard model. A shard is one hash chain. The plan expands the `shards`
 * prop into routes, one per (shard, event family): each route is one capture
 * rule of the live lane, and the ingest handler puts an event into the shard of
 * the route that matches it (shardForEvent in event-patterns.ts), for both lanes
 * alike. A family may be split across shards by source account, one chain per
 * account included (`perAccount`); the plan guarantees each event matches
 * exactly one route, so no event is chained twice and none falls between two
 * shards.
 *
 * CDK-free on purpose: the handlers route with the same plan.
 */
import { SHARD_PATTERN } from '../core/layout';
import { AuditTrailConfigError } from './errors';

export const EVENT_FAMILIES = ['api', 'ec2', 'ecs', 'autoscaling', 'ecr', 'drift'] as const;
export type EventFamily = (typeof EVENT_FAMILIES)[number];

export interface ShardSpec {
  /** Event families this shard captures. */
  readonly families: readonly EventFamily[];
  /**
   * Source accounts (12 digits) this shard captures for its families. Omit to
   * capture every account not claimed by another shard of the same family.
   */
  readonly accounts?: readonly string[];
  /**
   * One chain per account of `accounts` (an organization's members): shard
   * `<id>-<account>` for each, so that a busy account never contends with
   * another for a shard head. Requires `accounts`; ids stay at most 19
   * characters so that `<id>-<account>` is a shard id. @default false
   */
  readonly perAccount?: boolean;
}

/** Shard id (SHARD_PATTERN in lib/core/layout.ts) -> what it captures. */
export type ShardMap = Readonly<Record<string, ShardSpec>>;

/** One rule/target pair: the events of `family` (optionally from some accounts) go to message group `shard`. */
export interface ShardRoute {
  readonly shard: string;
  readonly family: EventFamily;
  /** Only these accounts. */
  readonly accounts?: readonly string[];
  /** Every account except these (they belong to other shards of the family). */
  readonly excludeAccounts?: readonly string[];
}

/** One shard per family, named after it. */
export const DEFAULT_SHARDS: ShardMap = Object.freeze(Object.fromEntries(EVENT_FAMILIES.map((f) => [f, { families: [f] }])));

const ACCOUNT_PATTERN = /^\d{12}$/;

function isFamily(value: string): value is EventFamily {
  return (EVENT_FAMILIES as readonly string[]).includes(value);
}

function validateShard(id: string, spec: ShardSpec): void {
  if (!SHARD_PATTERN.test(id)) {
    throw new AuditTrailConfigError('INVALID_SHARD_ID', `invalid shard id "${id}": use 1-32 of a-z, 0-9 and -, starting with a letter or digit`);
  }
  if (!spec.families || spec.families.length === 0) {
    throw new AuditTrailConfigError('EMPTY_SHARD', `shard "${id}" captures no event family`);
  }
  for (const f of spec.families) {
    if (!isFamily(f)) {
      throw new AuditTrailConfigError('UNKNOWN_EVENT_FAMILY', `shard "${id}": unknown event family "${String(f)}" (known: ${EVENT_FAMILIES.join(', ')})`);
    }
  }
  if (new Set(spec.families).size !== spec.families.length) {
    throw new AuditTrailConfigError('OVERLAPPING_SHARDS', `shard "${id}" lists a family twice`);
  }
  if (spec.accounts !== undefined) {
    if (spec.accounts.length === 0) {
      throw new AuditTrailConfigError('INVALID_ACCOUNT', `shard "${id}": accounts is empty; omit it to capture every account`);
    }
    for (const a of spec.accounts) {
      if (!ACCOUNT_PATTERN.test(a)) {
        throw new AuditTrailConfigError('INVALID_ACCOUNT', `shard "${id}": "${a}" is not a 12-digit account id`);
      }
    }
  }
}

/** Replaces each `perAccount` shard by one shard per account, `<id>-<account>`. */
export function expandPerAccount(shards: ShardMap): ShardMap {
  const out: Record<string, ShardSpec> = {};
  for (const [id, spec] of Object.entries(shards)) {
    if (spec.perAccount !== true) {
      if (spec.perAccount !== undefined && spec.perAccount !== false) {
        throw new AuditTrailConfigError('INVALID_SHARD_ID', `shard "${id}": perAccount must be true or false`);
      }
      out[id] = spec;
      continue;
    }
    if (!spec.accounts || spec.accounts.length === 0) {
      throw new AuditTrailConfigError('INVALID_ACCOUNT', `shard "${id}": perAccount needs the accounts to give a chain each`);
    }
    for (const account of spec.accounts) {
      const name = `${id}-${account}`;
      if (Object.hasOwn(shards, name) || Object.hasOwn(out, name)) {
        throw new AuditTrailConfigError('OVERLAPPING_SHARDS', `shard "${name}" of "${id}" (perAccount) is also defined on its own`);
      }
      out[name] = { families: spec.families, accounts: [account] };
    }
  }
  return out;
}

/**
 * Validates a shard map and expands it into rule/target routes, in a stable
 * order (shard id, then family order), so logical ids do not move between synths.
 */
export function planShards(input: ShardMap = DEFAULT_SHARDS): ShardRoute[] {
  // The shards as given first (ids, families, accounts), then those perAccount makes, which must be shard ids too.
  for (const [id, spec] of Object.entries(input)) validateShard(id, spec);
  const shards = expandPerAccount(input);
  const ids = Object.keys(shards).sort();
  if (ids.length === 0) throw new AuditTrailConfigError('NO_SHARDS', 'at least one shard is required');
  for (const id of ids) validateShard(id, shards[id]);

  const routes: ShardRoute[] = [];
  for (const family of EVENT_FAMILIES) {
    const owners = ids.filter((id) => shards[id].families.includes(family));
    const catchAll = owners.filter((id) => shards[id].accounts === undefined);
    if (catchAll.length > 1) {
      throw new AuditTrailConfigError('OVERLAPPING_SHARDS', `family "${family}" is captured for every account by more than one shard: ${catchAll.join(', ')}`);
    }
    const claimedBy = new Map<string, string>();
    for (const id of owners) {
      for (const account of shards[id].accounts ?? []) {
        const other = claimedBy.get(account);
        if (other !== undefined) {
          throw new AuditTrailConfigError('OVERLAPPING_SHARDS', `family "${family}" from account ${account} is claimed by shards "${other}" and "${id}"`);
        }
        claimedBy.set(account, id);
      }
    }
    const claimed = [...claimedBy.keys()].sort();
    for (const id of owners) {
      const accounts = shards[id].accounts;
      routes.push(
        accounts !== undefined
          ? { shard: id, family, accounts: [...accounts].sort() }
          : claimed.length > 0
            ? { shard: id, family, excludeAccounts: claimed }
            : { shard: id, family },
      );
    }
  }
  return routes.sort((a, b) => (a.shard === b.shard ? EVENT_FAMILIES.indexOf(a.family) - EVENT_FAMILIES.indexOf(b.family) : a.shard < b.shard ? -1 : 1));
}

/** The shard ids of a plan, sorted. */
export function shardIds(plan: readonly ShardRoute[]): string[] {
  return [...new Set(plan.map((r) => r.shard))].sort();
}
