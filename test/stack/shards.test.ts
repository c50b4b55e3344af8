/** The shard model and capture filter, without synthesis. */
import { describe, expect, it } from 'vitest';
import { resolveAuditTrailProps } from '../../lib/construct/audit-trail-props';
import { AuditTrailConfigError } from '../../lib/contract/errors';
import { type CaptureOptions, FAMILY_EVENTS, routeMatches, routePattern, ruleState, shardForEvent } from '../../lib/contract/event-patterns';
import { DEFAULT_SHARDS, EVENT_FAMILIES, type ShardMap, planShards } from '../../lib/contract/shards';
import { ATTESTATION_PARTITION_PREFIX, OUTBOX_INDEX, OUTBOX_PARTITION_PREFIX } from '../../lib/construct/table-schema';
import { K, OUTBOX_INDEX as WRITER_OUTBOX_INDEX } from '../../lib/contract/table-keys';

const WRITES_ONLY: CaptureOptions = { captureReadOnlyApiCalls: false };
const ALL_CALLS: CaptureOptions = { captureReadOnlyApiCalls: true };

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    if (err instanceof AuditTrailConfigError) return err.code;
    throw err;
  }
  return undefined;
}

const apiCall = (detail: Record<string, unknown>, account = '111122223333') => ({
  source: 'aws.ec2',
  'detail-type': 'AWS API Call via CloudTrail',
  account,
  detail: { eventSource: 'ec2.amazonaws.com', eventName: 'AuthorizeSecurityGroupIngress', ...detail },
});

describe('planShards', () => {
  it('defaults to one shard per family, named after it', () => {
    const plan = planShards();
    expect(plan.map((r) => [r.shard, r.family])).toEqual([...EVENT_FAMILIES].sort().map((f) => [f, f]));
    expect(plan.every((r) => r.accounts === undefined && r.excludeAccounts === undefined)).toBe(true);
  });

  it('expands a shard with several families into one route per family', () => {
    const plan = planShards({ control: { families: ['api', 'drift'] }, compute: { families: ['ec2', 'ecs', 'autoscaling'] } });
    expect(plan.map((r) => `${r.shard}/${r.family}`)).toEqual(['compute/ec2', 'compute/ecs', 'compute/autoscaling', 'control/api', 'control/drift']);
  });

  it('gives the catch-all shard of a family every account the others do not claim', () => {
    const plan = planShards({
      prod: { families: ['api'], accounts: ['222233334444', '111122223333'] },
      rest: { families: ['api'] },
    });
    expect(plan).toEqual([
      { shard: 'prod', family: 'api', accounts: ['111122223333', '222233334444'] },
      { shard: 'rest', family: 'api', excludeAccounts: ['111122223333', '222233334444'] },
    ]);
  });

  it.each<[string, ShardMap, string]>([
    ['a shard id outside SHARD_PATTERN', { API: { families: ['api'] } }, 'INVALID_SHARD_ID'],
    ['a shard id longer than 32', { ['a'.repeat(33)]: { families: ['api'] } }, 'INVALID_SHARD_ID'],
    ['no shards', {}, 'NO_SHARDS'],
    ['a shard without families', { a: { families: [] } }, 'EMPTY_SHARD'],
    ['an unknown family', { a: { families: ['lambda' as never] } }, 'UNKNOWN_EVENT_FAMILY'],
    ['two catch-all shards for one family', { a: { families: ['api'] }, b: { families: ['api', 'ec2'] } }, 'OVERLAPPING_SHARDS'],
    [
      'one account claimed twice',
      { a: { families: ['api'], accounts: ['111122223333'] }, b: { families: ['api'], accounts: ['111122223333'] } },
      'OVERLAPPING_SHARDS',
    ],
    ['a malformed account', { a: { families: ['api'], accounts: ['1234'] } }, 'INVALID_ACCOUNT'],
    ['an empty account list', { a: { families: ['api'], accounts: [] } }, 'INVALID_ACCOUNT'],
  ])('rejects %s', (_name, shards, code) => {
    expect(codeOf(() => planShards(shards))).toBe(code);
  });
});

// Issue 14: one chain per account of an organization, so a busy account never contends with another for a shard head.
describe('planShards: perAccount', () => {
  const org: ShardMap = {
    member: { families: ['api', 'ec2'], accounts: ['111122223333', '444455556666'], perAccount: true },
    rest: { families: ['api', 'ec2'] },
  };

  it('gives each listed account its own shard per family, and the rest of the organization the catch-all', () => {
    const plan = planShards(org);
    expect(plan.filter((r) => r.family === 'api')).toEqual([
      { shard: 'member-111122223333', family: 'api', accounts: ['111122223333'] },
      { shard: 'member-444455556666', family: 'api', accounts: ['444455556666'] },
      { shard: 'rest', family: 'api', excludeAccounts: ['111122223333', '444455556666'] },
    ]);
    const event = (account: string) => apiCall({ readOnly: false }, account);
    expect(shardForEvent(event('111122223333'), plan, WRITES_ONLY)).toBe('member-111122223333');
    expect(shardForEvent(event('444455556666'), plan, WRITES_ONLY)).toBe('member-444455556666');
    expect(shardForEvent(event('777788889999'), plan, WRITES_ONLY)).toBe('rest');
  });

  it('refuses perAccount without accounts, an id too long to take an account, and a clash with a shard of that name', () => {
    expect(codeOf(() => planShards({ member: { families: ['api'], perAccount: true } }))).toBe('INVALID_ACCOUNT');
    expect(codeOf(() => planShards({ 'a-very-long-shard-name': { families: ['api'], accounts: ['111122223333'], perAccount: true } }))).toBe(
      'INVALID_SHARD_ID',
    );
    expect(
      codeOf(() =>
        planShards({
          member: { families: ['api'], accounts: ['111122223333'], perAccount: true },
          'member-111122223333': { families: ['ec2'], accounts: ['111122223333'] },
        }),
      ),
    ).toBe('OVERLAPPING_SHARDS');
  });
});

describe('routePattern', () => {
  it('gives each family its documented source and detail-types', () => {
    for (const route of planShards(DEFAULT_SHARDS)) {
      const p = routePattern(route, WRITES_ONLY);
      expect(p['detail-type']).toEqual(FAMILY_EVENTS[route.family].detailTypes);
      expect(p.source).toEqual(FAMILY_EVENTS[route.family].sources);
    }
    expect(FAMILY_EVENTS.drift.detailTypes).toEqual(['CloudFormation Drift Detection Status Change']);
    expect(FAMILY_EVENTS.autoscaling.detailTypes).toEqual(['EC2 Instance Launch Successful', 'EC2 Instance Terminate Successful']);
  });

  it('captures write calls, including those without a readOnly field, unless read-only calls are opted in', () => {
    const [api] = planShards({ api: { families: ['api'] } });
    expect(routePattern(api, WRITES_ONLY).detail).toEqual({
      $or: [{ readOnly: [false] }, { readOnly: [{ exists: false }] }],
    });
    expect(routePattern(api, ALL_CALLS).detail).toBeUndefined();
    expect(ruleState(api, WRITES_ONLY)).toBe('ENABLED');
    expect(ruleState(api, ALL_CALLS)).toBe('ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS');
  });

  it('filters API calls by eventSource when sources are configured', () => {
    const [api] = planShards({ api: { families: ['api'] } });
    const p = routePattern(api, { captureReadOnlyApiCalls: true, apiCallSources: ['iam.amazonaws.com'] });
    expect(p.detail).toEqual({ eventSource: ['iam.amazonaws.com'] });
  });

  it('splits a family by account with an explicit list and an anything-but', () => {
    const [prod, rest] = planShards({ prod: { families: ['ec2'], accounts: ['111122223333'] }, rest: { families: ['ec2'] } });
    expect(routePattern(prod, WRITES_ONLY).account).toEqual(['111122223333']);
    expect(routePattern(rest, WRITES_ONLY).account).toEqual([{ 'anything-but': ['111122223333'] }]);
  });
});

describe('routeMatches / shardForEvent (the same filter, outside EventBridge)', () => {
  const plan = planShards();

  it('routes a write call to the api shard whether readOnly is false or absent', () => {
    expect(shardForEvent(apiCall({ readOnly: false }), plan, WRITES_ONLY)).toBe('api');
    expect(shardForEvent(apiCall({}), plan, WRITES_ONLY)).toBe('api');
  });

  it('skips read-only calls unless they are opted in', () => {
    expect(shardForEvent(apiCall({ readOnly: true }), plan, WRITES_ONLY)).toBeUndefined();
    expect(shardForEvent(apiCall({ readOnly: true }), plan, ALL_CALLS)).toBe('api');
  });

  it('skips calls from services that are not configured', () => {
    const only = { captureReadOnlyApiCalls: false, apiCallSources: ['iam.amazonaws.com'] };
    expect(shardForEvent(apiCall({ readOnly: false }), plan, only)).toBeUndefined();
    expect(shardForEvent(apiCall({ readOnly: false, eventSource: 'iam.amazonaws.com' }), plan, only)).toBe('api');
  });

  it('routes service events by source and detail-type', () => {
    const ec2 = { source: 'aws.ec2', 'detail-type': 'EC2 Instance State-change Notification', account: '1', detail: {} };
    expect(shardForEvent(ec2, plan, WRITES_ONLY)).toBe('ec2');
    expect(shardForEvent({ ...ec2, source: 'aws.ecs' }, plan, WRITES_ONLY)).toBeUndefined();
    expect(shardForEvent({ ...ec2, 'detail-type': 'EC2 Spot Instance Interruption Warning' }, plan, WRITES_ONLY)).toBeUndefined();
  });

  it('every event of a split family matches exactly one route', () => {
    const split = planShards({ prod: { families: ['api'], accounts: ['111122223333'] }, rest: { families: ['api'] } });
    for (const account of ['111122223333', '999988887777']) {
      const matches = split.filter((r) => routeMatches(apiCall({}, account), r, WRITES_ONLY));
      expect(matches).toHaveLength(1);
    }
    expect(shardForEvent(apiCall({}, '111122223333'), split, WRITES_ONLY)).toBe('prod');
    expect(shardForEvent(apiCall({}, '999988887777'), split, WRITES_ONLY)).toBe('rest');
  });
});

describe('resolveAuditTrailProps', () => {
  it('applies secure defaults', () => {
    const r = resolveAuditTrailProps({});
    expect(r.retentionDays).toBe(365);
    expect(r.capture).toEqual({ captureReadOnlyApiCalls: false });
    expect(r.immutableScope).toEqual({ mode: 'all' });
    expect(r.deployers.services).toContain('cloudformation.amazonaws.com');
    expect(r.watchdogEnabled).toBe(false);
  });

  it.each<[string, Parameters<typeof resolveAuditTrailProps>[0], string]>([
    ['zero retention', { retentionDays: 0 }, 'INVALID_RETENTION'],
    ['fractional retention', { retentionDays: 1.5 }, 'INVALID_RETENTION'],
    ['retention beyond 100 years', { retentionDays: 36501 }, 'INVALID_RETENTION'],
    ['an eventSource that is not a service', { apiCallSources: ['ec2'] }, 'INVALID_EVENT_SOURCE'],
    ['an empty eventSource list', { apiCallSources: [] }, 'INVALID_EVENT_SOURCE'],
    ['a zero silence window', { silenceMinutes: 0 }, 'INVALID_SILENCE'],
    ['a deployer that is neither an ARN nor a service principal', { deployerPrincipals: ['deploy-role'] }, 'INVALID_DETECTION_CONFIG'],
    ['a type scope with no types', { immutableScope: { mode: 'types', types: [] } }, 'INVALID_DETECTION_CONFIG'],
  ])('rejects %s', (_name, props, code) => {
    expect(codeOf(() => resolveAuditTrailProps(props))).toBe(code);
  });
});

/** A partition key of every kind of item in the table (each K entry), except `kind`. */
function partitionKeysBut(kind: keyof typeof K): Array<[string, string]> {
  return Object.entries(K)
    .filter(([name]) => name !== kind)
    .map(([name, key]) => {
      const made: unknown = typeof key === 'function' ? (key as (...a: unknown[]) => unknown)('x', 'x', 1) : key;
      const pk = typeof made === 'string' ? made : (made as { pk: string }).pk;
      expect(typeof pk, name).toBe('string');
      return [name, pk];
    });
}

describe('table schema shared with the writers', () => {
  it('grantAttest scopes CI to the partition keys attestation items really use, and to no other item', () => {
    expect(K.attestation('sha256:' + 'a'.repeat(64)).startsWith(ATTESTATION_PARTITION_PREFIX)).toBe(true);
    const others = partitionKeysBut('attestation');
    expect(others.length).toBeGreaterThan(5);
    for (const [name, pk] of others) expect(pk.startsWith(ATTESTATION_PARTITION_PREFIX), `${name}: ${pk}`).toBe(false);
  });

  it('the outbox delete grant covers outbox items (alert batches and suppression digests) and no other item', () => {
    expect(K.outboxBatch('api', 7).pk.startsWith(OUTBOX_PARTITION_PREFIX)).toBe(true);
    expect(K.outboxDigest('f'.repeat(64), '2026-11-27T03:15:00.000Z').pk.startsWith(OUTBOX_PARTITION_PREFIX)).toBe(true);
    const others = partitionKeysBut('outboxBatch').filter(([name]) => name !== 'outboxDigest');
    for (const [name, pk] of others) expect(pk.startsWith(OUTBOX_PARTITION_PREFIX), `${name}: ${pk}`).toBe(false);
  });

  it('the outbox index has the name the writers query', () => {
    expect(OUTBOX_INDEX).toBe(WRITER_OUTBOX_INDEX);
  });
});
