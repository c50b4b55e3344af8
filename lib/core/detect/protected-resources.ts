import { PROTECTED_RESOURCE_KINDS, type ProtectedResources } from './config';

export type ProtectedKind = keyof ProtectedResources;

/**
 * Requests name a resource in whichever form the API accepts (name, ARN, URL,
 * alias...). Both the configured names and the requested ones are reduced to
 * the same short form before comparing.
 */
export function canonicalResourceName(kind: ProtectedKind, value: string): string {
  const v = value.trim();
  switch (kind) {
    case 'buckets':
      return v.replace(/^arn:[^:]+:s3:::/, '').split('/')[0]!;
    case 'tables':
      // arn:aws:dynamodb:region:account:table/name[/stream/...|/index/...]
      return v.replace(/^arn:[^:]+:dynamodb:[^:]*:[^:]*:table\//, '').split('/')[0]!;
    case 'queues':
      // https://sqs.region.amazonaws.com/account/name or arn:aws:sqs:region:account:name
      if (/^https?:\/\//.test(v)) return v.replace(/\/+$/, '').split('/').pop()!;
      return v.replace(/^arn:[^:]+:sqs:[^:]*:[^:]*:/, '');
    case 'rules':
      // arn:aws:events:region:account:rule/[bus/]name
      return v
        .replace(/^arn:[^:]+:events:[^:]*:[^:]*:rule\//, '')
        .split('/')
        .pop()!;
    case 'keys': {
      // key/<id> and alias/<name> forms; key ids are case-insensitive UUIDs or mrk- ids.
      const m = /^arn:[^:]+:kms:[^:]*:[^:]*:(key\/.+|alias\/.+)$/.exec(v);
      const rest = m ? m[1]! : v;
      if (rest.startsWith('key/')) return rest.slice(4).toLowerCase();
      if (rest.startsWith('alias/')) return rest;
      return rest.toLowerCase();
    }
    case 'functions': {
      // name, name:qualifier, account:function:name[:qualifier], arn:aws:lambda:region:account:function:name[:qualifier]
      const m = /(?:^|:)function:([^:]+)/.exec(v);
      if (m) return m[1]!;
      return v.split(':')[0]!;
    }
    case 'trails':
      return v.replace(/^arn:[^:]+:cloudtrail:[^:]*:[^:]*:trail\//, '');
    case 'topics':
      // Topic ARNs, and subscription ARNs (topic ARN + ":<subscription id>").
      if (v.startsWith('arn:')) return v.split(':')[5] ?? v;
      return v;
  }
}

/**
 * Names of the member stack's forwarding rules (ImmutrailMemberStack, issue
 * 14): fixed, so that the detector knows them in every account and region
 * without being told each one. They are the auditor's own resources: deleting
 * or disabling one silences that member's live lane.
 */
export const MEMBER_RULE_PREFIX = 'immutrail-member-';

/** True for a rule the member stack created, named by name or ARN (on any bus, in any account). */
export function isMemberRule(value: string): boolean {
  return canonicalResourceName('rules', value).startsWith(MEMBER_RULE_PREFIX);
}

export interface ProtectedMatcher {
  /** The configured entry the value names, or null. */
  match(kind: ProtectedKind, value: string): string | null;
  /** True when no resource of that kind is configured. */
  isEmpty(kind: ProtectedKind): boolean;
}

export function protectedMatcher(p: ProtectedResources): ProtectedMatcher {
  const byKind = new Map<ProtectedKind, Map<string, string>>();
  for (const kind of PROTECTED_RESOURCE_KINDS) {
    byKind.set(kind, new Map(p[kind].map((entry) => [canonicalResourceName(kind, entry), entry])));
  }
  return {
    match(kind, value) {
      return byKind.get(kind)!.get(canonicalResourceName(kind, value)) ?? null;
    },
    isEmpty(kind) {
      return byKind.get(kind)!.size === 0;
    },
  };
}
