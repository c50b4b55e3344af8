import { DETECTION_ENV as ENV } from './config-env';
import { ImmutrailError } from '../errors';
import { isObject } from '../json-access';

/**
 * What the detectors need to know about the account: who may change
 * infrastructure, which resources are immutable, whose attestations count,
 * and which resources are the auditor's own. Parsed once at Lambda init from
 * the JSON environment variables the CDK construct sets.
 */

export interface DeployerConfig {
  /** Exact ARNs or globs (`arn:aws:iam::*:role/cdk-*`), matched against the session issuer and the caller ARN. */
  principals: string[];
  /** AWS service principals acting for the stack (`cloudformation.amazonaws.com`), matched against invokedBy. */
  services: string[];
  /** Service-linked roles (path /aws-service-role/) are AWS automation, not a person changing things by hand. */
  serviceLinkedRoles: boolean;
}

export type UnknownTagsPolicy = 'in-scope' | 'out-of-scope';

export type ImmutableScope =
  | { mode: 'all' }
  /** Resources tagged key (=value when given). Most mutating calls do not carry the resource's tags: see unknownTags. */
  | { mode: 'tag'; key: string; value: string | null; unknownTags: UnknownTagsPolicy }
  /** CloudFormation resource types; globs allowed (`AWS::EC2::*`). */
  | { mode: 'types'; types: string[] };

/** The stack's own resources, by name, ARN or URL: any form AWS accepts in requests. */
export interface ProtectedResources {
  buckets: string[];
  tables: string[];
  queues: string[];
  /** EventBridge rule names (or ARNs). */
  rules: string[];
  /** KMS key ids, key ARNs, alias names or alias ARNs. */
  keys: string[];
  functions: string[];
  /** Trail names or ARNs. Empty means every trail counts, since the capture depends on one. */
  trails: string[];
  topics: string[];
}

/** What one account of an organization may set differently from the organization-wide settings. */
export interface AccountOverride {
  deployers?: DeployerConfig;
  immutableScope?: ImmutableScope;
  attestationKeyIds?: string[];
}

/** Which accounts are the organization's: an account outside it touching a resource of it is foreign (foreign-account.ts). */
export interface OrganizationConfig {
  /** Every account of the organization (the organizationAccounts prop); null when not given. */
  accounts: string[] | null;
  /**
   * The accounts the stack is configured with (its own, the trail bucket's,
   * the shards' and the overrides'): they stand in for the organization when
   * `accounts` is null.
   */
  stackAccounts: string[];
  /** The organization id (o-...), to recognise shares with the organization or one of its OUs; null when not given. */
  id: string | null;
}

export interface DetectionConfig {
  /** Organization-wide; an account's override replaces a setting whole (see configForAccount). */
  deployers: DeployerConfig;
  immutableScope: ImmutableScope;
  /** KMS key ARNs whose attestations are trusted (their public keys reach detectors as DetectionContext.trustedKeys). */
  attestationKeyIds: string[];
  protectedResources: ProtectedResources;
  /** 12-digit account -> its own settings. */
  accountOverrides: Record<string, AccountOverride>;
  organization: OrganizationConfig;
}

export const DEFAULT_DEPLOYER_SERVICES: readonly string[] = ['cloudformation.amazonaws.com'];

export const PROTECTED_RESOURCE_KINDS = [
  'buckets',
  'tables',
  'queues',
  'rules',
  'keys',
  'functions',
  'trails',
  'topics',
] as const satisfies readonly (keyof ProtectedResources)[];

export class DetectionConfigError extends ImmutrailError {
  readonly code = 'DETECTION_CONFIG_INVALID';
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
    this.name = 'DetectionConfigError';
  }
}

export function emptyProtectedResources(): ProtectedResources {
  return { buckets: [], tables: [], queues: [], rules: [], keys: [], functions: [], trails: [], topics: [] };
}

export function defaultDetectionConfig(): DetectionConfig {
  return {
    deployers: { principals: [], services: [...DEFAULT_DEPLOYER_SERVICES], serviceLinkedRoles: true },
    immutableScope: { mode: 'all' },
    attestationKeyIds: [],
    protectedResources: emptyProtectedResources(),
    accountOverrides: {},
    organization: { accounts: null, stackAccounts: [], id: null },
  };
}

type Env = Readonly<Record<string, string | undefined>>;

export function parseDetectionConfig(env: Env): DetectionConfig {
  const config = defaultDetectionConfig();
  const deployers = readJson(env, ENV.deployerPrincipals);
  if (deployers !== undefined) config.deployers = parseDeployers(deployers);
  const scope = readJson(env, ENV.immutableScope);
  if (scope !== undefined) config.immutableScope = parseScope(scope);
  const keys = readJson(env, ENV.attestationKeyIds);
  if (keys !== undefined) config.attestationKeyIds = stringList(keys, ENV.attestationKeyIds, 'the list of key ARNs');
  const prot = readJson(env, ENV.protectedResources);
  if (prot !== undefined) config.protectedResources = parseProtectedResources(prot);
  const accounts = readJson(env, ENV.accountDetection);
  if (accounts !== undefined) Object.assign(config, parseAccountDetection(accounts));
  return config;
}

function readJson(env: Env, name: string): unknown {
  const text = env[name];
  if (text === undefined || text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new DetectionConfigError(name, `not valid JSON (${(e as Error).message})`);
  }
}

const SERVICE_PRINCIPAL = /^[a-z0-9*][a-z0-9.*-]*\.amazonaws\.com(\.cn)?$/;

/**
 * Either a JSON array mixing principal ARNs/globs and service principals, or
 * `{"principals": [...], "services": [...], "serviceLinkedRoles": bool}`.
 * The array form adds its services to the defaults; the object form replaces them.
 */
export function parseDeployers(value: unknown, name: string = ENV.deployerPrincipals): DeployerConfig {
  if (Array.isArray(value)) {
    const principals: string[] = [];
    const services = new Set(DEFAULT_DEPLOYER_SERVICES);
    for (const entry of stringList(value, name, 'the deployer list')) {
      if (entry.startsWith('arn:')) principals.push(entry);
      else if (SERVICE_PRINCIPAL.test(entry)) services.add(entry);
      else throw new DetectionConfigError(name, `"${entry}" is neither an ARN (arn:...) nor a service principal (*.amazonaws.com)`);
    }
    return { principals, services: [...services], serviceLinkedRoles: true };
  }
  if (isObject(value)) {
    rejectUnknownKeys(value, ['principals', 'services', 'serviceLinkedRoles'], name);
    const principals = value.principals === undefined ? [] : stringList(value.principals, name, 'principals');
    for (const p of principals) {
      if (!p.startsWith('arn:')) throw new DetectionConfigError(name, `principal "${p}" is not an ARN pattern (arn:...)`);
    }
    const services = value.services === undefined ? [...DEFAULT_DEPLOYER_SERVICES] : stringList(value.services, name, 'services');
    for (const s of services) {
      if (!SERVICE_PRINCIPAL.test(s)) throw new DetectionConfigError(name, `service "${s}" is not a service principal (*.amazonaws.com)`);
    }
    const slr = value.serviceLinkedRoles ?? true;
    if (typeof slr !== 'boolean') throw new DetectionConfigError(name, 'serviceLinkedRoles must be true or false');
    return { principals, services, serviceLinkedRoles: slr };
  }
  throw new DetectionConfigError(name, 'expected a JSON array of ARNs/service principals or an object');
}

export function parseScope(value: unknown, name: string = ENV.immutableScope): ImmutableScope {
  if (value === 'all') return { mode: 'all' };
  if (!isObject(value)) throw new DetectionConfigError(name, 'expected {"mode":"all"|"tag"|"types", ...}');
  switch (value.mode) {
    case 'all':
      rejectUnknownKeys(value, ['mode'], name);
      return { mode: 'all' };
    case 'tag': {
      rejectUnknownKeys(value, ['mode', 'key', 'value', 'unknownTags'], name);
      if (typeof value.key !== 'string' || value.key === '') throw new DetectionConfigError(name, 'tag scope needs a non-empty "key"');
      if (value.value !== undefined && value.value !== null && typeof value.value !== 'string') {
        throw new DetectionConfigError(name, '"value" must be a string');
      }
      const unknownTags = value.unknownTags ?? 'in-scope';
      if (unknownTags !== 'in-scope' && unknownTags !== 'out-of-scope') {
        throw new DetectionConfigError(name, '"unknownTags" must be "in-scope" or "out-of-scope"');
      }
      return { mode: 'tag', key: value.key, value: (value.value as string | null | undefined) ?? null, unknownTags };
    }
    case 'types': {
      rejectUnknownKeys(value, ['mode', 'types'], name);
      const types = stringList(value.types, name, '"types"');
      if (types.length === 0) throw new DetectionConfigError(name, '"types" must name at least one resource type');
      for (const t of types) {
        if (!/^[A-Za-z0-9*?]+::[A-Za-z0-9*?]+(::[A-Za-z0-9*?]+)?$/.test(t)) {
          throw new DetectionConfigError(name, `"${t}" is not a CloudFormation resource type (AWS::Service::Resource)`);
        }
      }
      return { mode: 'types', types };
    }
    default:
      throw new DetectionConfigError(name, `unknown mode ${JSON.stringify(value.mode)}: use "all", "tag" or "types"`);
  }
}

export function parseProtectedResources(value: unknown): ProtectedResources {
  const name = ENV.protectedResources;
  if (!isObject(value)) throw new DetectionConfigError(name, 'expected a JSON object');
  rejectUnknownKeys(value, PROTECTED_RESOURCE_KINDS, name);
  const out = emptyProtectedResources();
  for (const kind of PROTECTED_RESOURCE_KINDS) {
    const v = value[kind];
    if (v === undefined || v === null) continue;
    out[kind] = typeof v === 'string' ? [v] : stringList(v, name, `"${kind}"`);
  }
  return out;
}

export const ACCOUNT_PATTERN = /^\d{12}$/;
const ORGANIZATION_ID_PATTERN = /^o-[a-z0-9]{10,32}$/;

/**
 * IMMUTRAIL_ACCOUNT_DETECTION: the organization and the per-account settings, as
 * `{"organizationAccounts": [...], "organizationId": "o-...", "stackAccounts": [...],
 *   "accounts": {"<12 digits>": {"deployerPrincipals": ..., "immutableScope": ..., "attestationKeyIds": [...]}}}`.
 * Each override field has the shape of its organization-wide variable.
 */
export function parseAccountDetection(value: unknown): Pick<DetectionConfig, 'accountOverrides' | 'organization'> {
  const name = ENV.accountDetection;
  if (!isObject(value)) throw new DetectionConfigError(name, 'expected a JSON object');
  rejectUnknownKeys(value, ['organizationAccounts', 'organizationId', 'stackAccounts', 'accounts'], name);
  // Overrides first: their accounts are also among the stack's, and the error should name where the user wrote them.
  const overrides: Record<string, AccountOverride> = {};
  const given = value.accounts ?? {};
  if (!isObject(given)) throw new DetectionConfigError(name, '"accounts" must map 12-digit account ids to their settings');
  for (const [account, o] of Object.entries(given)) overrides[checkAccount(account, 'in "accounts"')] = parseOverride(account, o);
  const orgAccounts = value.organizationAccounts === undefined ? null : accountList(value.organizationAccounts, '"organizationAccounts"');
  const stackAccounts = value.stackAccounts === undefined ? [] : accountList(value.stackAccounts, '"stackAccounts"');
  const id = value.organizationId ?? null;
  if (id !== null && (typeof id !== 'string' || !ORGANIZATION_ID_PATTERN.test(id))) {
    throw new DetectionConfigError(name, `"organizationId" ${JSON.stringify(id)} is not an organization id (o- and 10 to 32 of a-z, 0-9)`);
  }
  return { accountOverrides: overrides, organization: { accounts: orgAccounts, stackAccounts, id: id as string | null } };
}

const OVERRIDE_KEYS: readonly string[] = ['deployerPrincipals', 'immutableScope', 'attestationKeyIds'];

function parseOverride(account: string, o: unknown): AccountOverride {
  const name = ENV.accountDetection;
  if (!isObject(o)) throw new DetectionConfigError(name, `account ${account}: expected an object`);
  for (const k of Object.keys(o)) {
    if (!OVERRIDE_KEYS.includes(k)) {
      throw new DetectionConfigError(name, `account ${account}: unknown key "${k}" (allowed: ${OVERRIDE_KEYS.join(', ')})`);
    }
  }
  const out: AccountOverride = {};
  if (o.deployerPrincipals !== undefined) out.deployers = parseDeployers(o.deployerPrincipals, name);
  if (o.immutableScope !== undefined) out.immutableScope = parseScope(o.immutableScope, name);
  if (o.attestationKeyIds !== undefined) out.attestationKeyIds = stringList(o.attestationKeyIds, name, `account ${account}: "attestationKeyIds"`);
  return out;
}

function checkAccount(account: unknown, where: string): string {
  if (typeof account !== 'string' || !ACCOUNT_PATTERN.test(account)) {
    throw new DetectionConfigError(ENV.accountDetection, `${JSON.stringify(account)} ${where} is not a 12-digit AWS account id`);
  }
  return account;
}

function accountList(v: unknown, what: string): string[] {
  if (!Array.isArray(v)) throw new DetectionConfigError(ENV.accountDetection, `${what} must be an array of 12-digit account ids`);
  return v.map((a) => checkAccount(a, `in ${what}`));
}

/**
 * The settings that apply to events of `account`: its override's fields where
 * it has them, the organization-wide ones elsewhere. An override replaces a
 * setting whole (its deployers are the account's deployers, not extra ones),
 * so an account can also narrow what the organization allows. Events that
 * name no account get the organization-wide settings.
 */
export function configForAccount(config: DetectionConfig, account: string | null): DetectionConfig {
  const o = account === null ? undefined : config.accountOverrides[account];
  if (o === undefined) return config;
  return {
    ...config,
    deployers: o.deployers ?? config.deployers,
    immutableScope: o.immutableScope ?? config.immutableScope,
    attestationKeyIds: o.attestationKeyIds ?? config.attestationKeyIds,
  };
}

/** Every attestation key any account trusts: the runtime fetches all their public keys once at init. */
export function allAttestationKeyIds(config: DetectionConfig): string[] {
  const ids = new Set(config.attestationKeyIds);
  for (const o of Object.values(config.accountOverrides)) for (const k of o.attestationKeyIds ?? []) ids.add(k);
  return [...ids];
}

function rejectUnknownKeys(o: Record<string, unknown>, allowed: readonly string[], name: string): void {
  for (const k of Object.keys(o)) {
    if (!allowed.includes(k)) throw new DetectionConfigError(name, `unknown key "${k}" (allowed: ${allowed.join(', ')})`);
  }
}

function stringList(v: unknown, name: string, what: string): string[] {
  if (!Array.isArray(v) || !v.every((s) => typeof s === 'string' && s !== '')) {
    throw new DetectionConfigError(name, `${what} must be an array of non-empty strings`);
  }
  return v as string[];
}
