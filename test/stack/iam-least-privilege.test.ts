/**
 * Scans every IAM policy in the synthesized template (identity policies,
 * inline role policies, managed policies, and resource policies that name one
 * of the stack's roles) for permissions that could shorten or silence the
 * archive. Uses the configuration with every optional feature on, plus the
 * roles granted through grantRead and grantAttest.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FULL_CONTEXT, type FullStack, synthFullStack } from './full-stack';
import { cleanupSynths, logicalId, resourcesOfType } from './synth-helper';

/** Never granted to a role the stack creates (or to a role through a grant method). */
const FORBIDDEN = [
  's3:DeleteObject',
  's3:DeleteObjectVersion',
  's3:DeleteBucket',
  's3:DeleteBucketPolicy',
  's3:PutBucketPolicy',
  's3:PutBucketObjectLockConfiguration',
  's3:PutLifecycleConfiguration',
  's3:BypassGovernanceRetention',
  's3:PutBucketVersioning',
  's3:PutEncryptionConfiguration',
  's3:PutBucketAcl',
  'kms:ScheduleKeyDeletion',
  'kms:DisableKey',
  'kms:DisableKeyRotation',
  'kms:PutKeyPolicy',
  'kms:CreateGrant',
  'dynamodb:DeleteItem',
  'dynamodb:DeleteTable',
  'dynamodb:UpdateTable',
  'dynamodb:UpdateContinuousBackups',
  'sqs:DeleteQueue',
  'sqs:PurgeQueue',
  'sqs:SetQueueAttributes',
  'sns:DeleteTopic',
  'sns:SetTopicAttributes',
  'events:DisableRule',
  'events:DeleteRule',
  'events:RemoveTargets',
  'events:PutRule',
  'events:PutTargets',
  'lambda:UpdateFunctionCode',
  'lambda:UpdateFunctionConfiguration',
  'lambda:DeleteFunction',
  'cloudtrail:StopLogging',
  'cloudtrail:DeleteTrail',
  'cloudtrail:UpdateTrail',
  'cloudtrail:PutEventSelectors',
  'logs:DeleteLogGroup',
  'iam:PassRole',
  'iam:PutRolePolicy',
  'iam:AttachRolePolicy',
];

interface Grant {
  /** Logical id of the policy (or resource policy) the statement is in. */
  where: string;
  /** Logical ids of the roles it applies to. */
  roles: string[];
  statement: any;
}

const asArray = <T>(x: T | T[] | undefined): T[] => (x === undefined ? [] : Array.isArray(x) ? x : [x]);

/** IAM action patterns are case-insensitive globs (* and ?). */
function covers(pattern: string, action: string): boolean {
  const re = new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
    'i',
  );
  return re.test(action);
}

/** The one deletion allowed: DeleteItem alone, on outbox items only (they are deleted once their alerts are published). */
const OUTBOX_DELETE_CONDITION = { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['outbox#*'] } };

function isOutboxDelete(statement: any): boolean {
  return (
    JSON.stringify(asArray(statement.Action)) === JSON.stringify(['dynamodb:DeleteItem']) &&
    JSON.stringify(statement.Condition) === JSON.stringify(OUTBOX_DELETE_CONDITION)
  );
}

function forbiddenIn(statement: any): string[] {
  if (statement.NotAction !== undefined) return ['(Allow with NotAction)'];
  if (isOutboxDelete(statement)) return [];
  const actions = asArray<string>(statement.Action);
  return FORBIDDEN.filter((f) => actions.some((a) => covers(a, f)));
}

let s: FullStack;
let roleIds: string[];
let allows: Grant[];

beforeAll(() => {
  s = synthFullStack();
  roleIds = resourcesOfType(s.json, 'AWS::IAM::Role').map(([id]) => id);
  const refersToRole = (x: unknown) => roleIds.some((id) => JSON.stringify(x).includes(`"${id}"`));
  allows = [];
  for (const [id, r] of Object.entries(s.json.Resources)) {
    const p = r.Properties ?? {};
    if (r.Type === 'AWS::IAM::Policy' || r.Type === 'AWS::IAM::ManagedPolicy') {
      const roles = asArray<any>(p.Roles).map((x) => x.Ref as string);
      for (const st of asArray<any>(p.PolicyDocument?.Statement)) allows.push({ where: id, roles, statement: st });
    } else if (r.Type === 'AWS::IAM::Role') {
      for (const pol of asArray<any>(p.Policies)) {
        for (const st of asArray<any>(pol.PolicyDocument?.Statement)) allows.push({ where: id, roles: [id], statement: st });
      }
    } else {
      // Resource policies (bucket, queue, topic, key): only statements whose principal is one of our roles.
      const doc = p.PolicyDocument ?? p.KeyPolicy;
      for (const st of asArray<any>(doc?.Statement)) {
        if (!refersToRole(st.Principal)) continue;
        const roles = roleIds.filter((rid) => JSON.stringify(st.Principal).includes(`"${rid}"`));
        allows.push({ where: id, roles, statement: st });
      }
    }
  }
  allows = allows.filter((g) => g.statement.Effect === 'Allow');
}, 120_000);

afterAll(cleanupSynths);

describe('no role the stack creates can shorten, silence or reconfigure the trail', () => {
  it('the scan sees the roles and policies it is meant to check', () => {
    const functionRoles = resourcesOfType(s.json, 'AWS::Lambda::Function').map(([, f]) => f.Properties!.Role['Fn::GetAtt'][0]);
    expect(functionRoles).toHaveLength(4);
    const firehoseRole =
      s.json.Resources[s.stack.getLogicalId(s.stack.trail.liveStream.stream)].Properties!.ExtendedS3DestinationConfiguration.RoleARN['Fn::GetAtt'][0];
    const captureRole = s.json.Resources[logicalId(s.stack, s.stack.trail.captureRules[0])].Properties!.Targets[0].RoleArn['Fn::GetAtt'][0];
    const checked = [...functionRoles, firehoseRole, captureRole, logicalId(s.stack, s.auditorRole), logicalId(s.stack, s.ciRole)];
    for (const role of checked) {
      expect(
        allows.some((g) => g.roles.includes(role)),
        role,
      ).toBe(true);
    }
    // every role of the stack is one of these: nothing (a custom resource, a CDK helper) adds an unchecked one
    expect(roleIds.sort()).toEqual([...new Set(checked)].sort());
  });

  it('the forbidden-action matcher catches wildcards (a scan that cannot fail proves nothing)', () => {
    expect(forbiddenIn({ Action: 's3:*' })).toContain('s3:DeleteObjectVersion');
    expect(forbiddenIn({ Action: ['S3:Delete*'] })).toContain('s3:DeleteObject');
    expect(forbiddenIn({ Action: '*' })).toHaveLength(FORBIDDEN.length);
    expect(forbiddenIn({ Action: 'kms:Disable*' })).toEqual(['kms:DisableKey', 'kms:DisableKeyRotation']);
    expect(forbiddenIn({ NotAction: 's3:GetObject' })).toEqual(['(Allow with NotAction)']);
    expect(forbiddenIn({ Action: ['s3:PutObject', 's3:GetObject'] })).toEqual([]);
    // the outbox exception holds only for DeleteItem alone under exactly its condition
    expect(forbiddenIn({ Action: 'dynamodb:DeleteItem', Condition: OUTBOX_DELETE_CONDITION })).toEqual([]);
    expect(forbiddenIn({ Action: 'dynamodb:DeleteItem' })).toEqual(['dynamodb:DeleteItem']);
    expect(forbiddenIn({ Action: ['dynamodb:DeleteItem', 'dynamodb:DeleteTable'], Condition: OUTBOX_DELETE_CONDITION })).toEqual([
      'dynamodb:DeleteItem',
      'dynamodb:DeleteTable',
    ]);
    expect(forbiddenIn({ Action: 'dynamodb:DeleteItem', Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['*'] } } })).toEqual([
      'dynamodb:DeleteItem',
    ]);
  });

  it('the functions that publish alerts may delete outbox items, and only those, on the table', () => {
    const table = logicalId(s.stack, s.stack.trail.table);
    const t = s.stack.trail;
    const deleters = allows.filter((g) => isOutboxDelete(g.statement));
    for (const g of deleters) expect(g.statement.Resource).toEqual({ 'Fn::GetAtt': [table, 'Arn'] });
    const roles = deleters.flatMap((g) => g.roles).sort();
    const roleOf = (fn: { node: { defaultChild?: unknown } }) => (s.json.Resources[logicalId(s.stack, fn)].Properties!.Role['Fn::GetAtt'] as string[])[0];
    expect(roles).toEqual([t.ingestFunction, t.sealFunction, t.reconcileFunction!, t.watchdogFunction!].map(roleOf).sort());
  });

  it('no Allow statement grants a forbidden action', () => {
    const violations = allows.map((g) => ({ where: g.where, roles: g.roles, forbidden: forbiddenIn(g.statement) })).filter((v) => v.forbidden.length > 0);
    expect(violations).toEqual([]);
  });

  it('no role carries an AWS managed policy', () => {
    for (const [id, role] of resourcesOfType(s.json, 'AWS::IAM::Role')) {
      expect(role.Properties!.ManagedPolicyArns, id).toBeUndefined();
    }
  });
});

describe('what the writers may do, and where', () => {
  const bucketObjects = (suffix: string) => JSON.stringify({ 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketId(), 'Arn'] }, suffix]] });
  const bucketId = () => logicalId(s.stack, s.stack.trail.bucket);
  const roleOf = (fn: { node: { defaultChild?: unknown } }) => (s.json.Resources[logicalId(s.stack, fn)].Properties!.Role['Fn::GetAtt'] as string[])[0];
  const statementsOf = (role: string) => allows.filter((g) => g.roles.includes(role)).map((g) => g.statement);
  const resourcesFor = (role: string, action: string) =>
    statementsOf(role)
      .filter((st) => asArray<string>(st.Action).includes(action))
      .flatMap((st) => asArray(st.Resource).map((r) => JSON.stringify(r)));

  it('ingest puts objects only under records/, and nothing can put one over the whole archive', () => {
    const ingest = roleOf(s.stack.trail.ingestFunction);
    expect(resourcesFor(ingest, 's3:PutObject')).toEqual([bucketObjects('/records/*')]);
    for (const g of allows) {
      for (const r of asArray(g.statement.Resource)) {
        if (asArray<string>(g.statement.Action).some((a) => covers(a, 's3:PutObject'))) {
          expect(JSON.stringify(r), g.where).not.toBe(bucketObjects('/*'));
        }
      }
    }
  });

  it('the seal function puts objects only under checkpoints/ (archive and witness) and tiles/, and signs with the checkpoint key', () => {
    const seal = roleOf(s.stack.trail.sealFunction);
    expect(resourcesFor(seal, 's3:PutObject').sort()).toEqual(
      [bucketObjects('/checkpoints/*'), bucketObjects('/tiles/*'), JSON.stringify('arn:aws:s3:::witness-bucket-in-another-account/checkpoints/*')].sort(),
    );
    expect(resourcesFor(seal, 'kms:Sign')).toEqual([JSON.stringify({ 'Fn::GetAtt': [logicalId(s.stack, s.stack.trail.signingKey), 'Arn'] })]);
    for (const role of roleIds.filter((r) => r !== seal))
      expect(
        resourcesFor(role, 'kms:Sign').some((r) => r.includes(logicalId(s.stack, s.stack.trail.signingKey))),
        role,
      ).toBe(false);
  });

  it('s3:PutObjectRetention is granted only together with s3:PutObject on the same keys (COMPLIANCE headers on a put)', () => {
    const retention = allows.filter((g) => asArray<string>(g.statement.Action).includes('s3:PutObjectRetention'));
    expect(retention.length).toBeGreaterThan(0);
    for (const g of retention) expect(asArray(g.statement.Action)).toContain('s3:PutObject');
  });

  it('the auditor role can read everything and write nothing', () => {
    const auditor = logicalId(s.stack, s.auditorRole);
    const actions = statementsOf(auditor).flatMap((st) => asArray<string>(st.Action));
    expect(actions).toEqual(expect.arrayContaining(['s3:GetObject', 's3:GetObjectRetention', 'kms:GetPublicKey', 'dynamodb:Query']));
    expect(actions.filter((a) => /:(Put|Update|Delete|Create|Sign|Encrypt|GenerateDataKey)/i.test(a))).toEqual([]);
  });

  it('the CI role may only put attestation items and sign with its attestation key', () => {
    const ci = logicalId(s.stack, s.ciRole);
    const put = statementsOf(ci).find((st) => asArray(st.Action).includes('dynamodb:PutItem'));
    expect(put.Condition).toEqual({ 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['att#*'] } });
    expect(resourcesFor(ci, 'kms:Sign')).toEqual([JSON.stringify(s.stack.trail.attestationKeys[0].keyArn)]);
    expect(
      statementsOf(ci)
        .flatMap((st) => asArray<string>(st.Action))
        .filter((a) => a.startsWith('s3:')),
    ).toEqual([]);
  });

  it('ingest reads staged objects under live/ only, and the trail log files under the trail prefix with the trail key', () => {
    const ingest = roleOf(s.stack.trail.ingestFunction);
    const staging = logicalId(s.stack, s.stack.trail.stagingBucket);
    const objectReads = resourcesFor(ingest, 's3:GetObject').sort();
    expect(objectReads).toEqual(
      [
        bucketObjects('/*'),
        JSON.stringify({ 'Fn::Join': ['', [{ 'Fn::GetAtt': [staging, 'Arn'] }, '/live/*']] }),
        JSON.stringify({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::org-cloudtrail-logs/org/*']] }),
      ].sort(),
    );
    expect(resourcesFor(ingest, 'kms:Decrypt')).toContain(JSON.stringify(FULL_CONTEXT.trailKeyArn));
    // it can neither write nor list the staging bucket
    const onStaging = statementsOf(ingest).filter((st) => JSON.stringify(st.Resource).includes(`"${staging}"`));
    expect(onStaging.flatMap((st) => asArray<string>(st.Action))).toEqual(['s3:GetObject']);
  });

  it('reconcile reads the same trail log files', () => {
    const reconcile = roleOf(s.stack.trail.reconcileFunction!);
    expect(resourcesFor(reconcile, 's3:GetObject')).toContain(
      JSON.stringify({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::org-cloudtrail-logs/org/*']] }),
    );
    expect(resourcesFor(reconcile, 'kms:Decrypt')).toContain(JSON.stringify(FULL_CONTEXT.trailKeyArn));
  });

  it('the watchdog reads the trail configuration but cannot change it', () => {
    const watchdog = roleOf(s.stack.trail.watchdogFunction!);
    const actions = statementsOf(watchdog)
      .flatMap((st) => asArray<string>(st.Action))
      .filter((a) => a.startsWith('cloudtrail:'));
    expect(actions.sort()).toEqual(['cloudtrail:DescribeTrails', 'cloudtrail:GetEventSelectors', 'cloudtrail:GetTrail', 'cloudtrail:GetTrailStatus'].sort());
  });
});
