/**
 * Issue 14, "done when": the member stack and the audit stack wire up across
 * accounts. The audit stack (account 111111111111) reads the organization
 * trail from the log-archive account (222222222222) and takes the live events
 * of a member (333333333333); every ARN one side names is resolved as
 * CloudFormation would in its account and compared with what the other side
 * grants.
 */
import { App } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orgPolicyDocument } from '../../lib/cli/commands/org-policy';
import { orgAccess } from '../../lib/contract/org-access';
import { AuditTrailConfigError } from '../../lib/contract/errors';
import { addSecurityChecks } from '../../lib/immutrail-stack';
import { ImmutrailMemberStack } from '../../lib/member-stack';
import { resolveCfn, type ResolveEnv } from './cfn-resolve';
import { type CfnTemplate, cleanupSynths, logicalId, resourcesOfType, synthImmutrail, type Synthesized } from './synth-helper';

const AUDIT = '111111111111';
const LOG_ARCHIVE = '222222222222';
const MEMBER = '333333333333';
const REGION = 'eu-west-1';
const ORG = 'o-a1b2c3d4e5';
const TRAIL_BUCKET = 'org-trail-logs';
const TRAIL_KEY = `arn:aws:kms:${REGION}:${LOG_ARCHIVE}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;

/** Physical ARNs as the audit account would see them after deployment (logical id as the name). */
const auditEnv: ResolveEnv = {
  account: AUDIT,
  region: REGION,
  attribute: (id, attr) => {
    if (attr !== 'Arn') throw new Error(`unexpected ${id}.${attr}`);
    if (id.includes('Queue')) return `arn:aws:sqs:${REGION}:${AUDIT}:${id}`;
    if (id.includes('Role')) return `arn:aws:iam::${AUDIT}:role/${id}`;
    if (id.includes('Key')) return `arn:aws:kms:${REGION}:${AUDIT}:key/${id}`;
    throw new Error(`unexpected ${id}.${attr}`);
  },
};
const memberEnv: ResolveEnv = { account: MEMBER, region: REGION };

type Statement = Record<string, any>;
const asList = <T>(x: T | T[]): T[] => (Array.isArray(x) ? x : [x]);

let audit: Synthesized;
let member: CfnTemplate;
let memberApp: App;

beforeAll(() => {
  audit = synthImmutrail({
    stackProps: { env: { account: AUDIT, region: REGION } },
    context: { trailBucketName: TRAIL_BUCKET, trailPrefix: 'org/', trailBucketAccount: LOG_ARCHIVE, trailKeyArn: TRAIL_KEY, organizationId: ORG },
  });
  memberApp = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new ImmutrailMemberStack(memberApp, 'ImmutrailMember', { env: { account: MEMBER, region: REGION }, audit: { account: AUDIT, region: REGION } });
  addSecurityChecks(memberApp);
  member = memberApp.synth().getStackByName(stack.stackName).template as CfnTemplate;
}, 120_000);

afterAll(cleanupSynths);

const auditBusArn = `arn:aws:events:${REGION}:${AUDIT}:event-bus/default`;
const ingestQueueId = (): string => logicalId(audit.stack, audit.stack.trail.queue);
const dataKeyId = (): string => logicalId(audit.stack, audit.stack.trail.dataKey);

describe('member account -> audit account (live lane)', () => {
  it("targets exactly the audit account's default bus from every rule, through a role that may only put events there", () => {
    const rules = resourcesOfType(member, 'AWS::Events::Rule').map(([, r]) => r.Properties!);
    expect(rules.length).toBeGreaterThanOrEqual(6);
    const roleIds = resourcesOfType(member, 'AWS::IAM::Role').map(([id]) => id);
    expect(roleIds).toHaveLength(1);
    for (const rule of rules) {
      expect(rule.Targets).toHaveLength(1);
      expect(resolveCfn(rule.Targets[0].Arn, memberEnv)).toBe(auditBusArn);
      expect(rule.Targets[0].RoleArn).toEqual({ 'Fn::GetAtt': [roleIds[0], 'Arn'] });
    }
    const policies = resourcesOfType(member, 'AWS::IAM::Policy').map(([, r]) => r.Properties!);
    const statements: Statement[] = policies.flatMap((p) => p.PolicyDocument.Statement);
    expect(statements.map((s) => [s.Effect, s.Action, resolveCfn(s.Resource, memberEnv)])).toEqual([['Allow', 'events:PutEvents', auditBusArn]]);
    const trust = member.Resources[roleIds[0]].Properties!.AssumeRolePolicyDocument.Statement[0];
    expect(trust.Principal).toEqual({ Service: 'events.amazonaws.com' });
  });

  it('is admitted by the audit bus policy: PutEvents on that bus from principals of the organization', () => {
    const policies = resourcesOfType(audit.json, 'AWS::Events::EventBusPolicy').map(([, r]) => r.Properties!);
    const org = policies.find((p) => p.StatementId === 'immutrail-organization-members')!;
    expect(org).toBeDefined();
    expect(org.EventBusName).toBe('default');
    expect(org.Statement.Effect).toBe('Allow');
    expect(org.Statement.Action).toBe('events:PutEvents');
    expect(org.Statement.Principal).toBe('*');
    expect(org.Statement.Condition).toEqual({ StringEquals: { 'aws:PrincipalOrgID': ORG } });
    expect(resolveCfn(org.Statement.Resource, auditEnv)).toBe(auditBusArn);
    // queue mode: the log-archive account sends no events to the bus
    expect(policies.map((p) => p.StatementId)).toEqual(['immutrail-organization-members']);
  });

  it("forwards events the audit stack's capture rules take (same detail-types, write calls only)", () => {
    const captured = new Set(
      audit.stack.trail.captureRules.flatMap((r) => audit.stack.resolve((r.node.defaultChild as any).eventPattern)['detail-type'] as string[]),
    );
    for (const [, r] of resourcesOfType(member, 'AWS::Events::Rule')) {
      for (const dt of r.Properties!.EventPattern['detail-type'] as string[]) expect(captured.has(dt), dt).toBe(true);
    }
  });
});

describe('log-archive account -> audit account (trail lane)', () => {
  const s3Statements = (statements: Statement[]) => statements.filter((s) => JSON.stringify(s.Principal) === JSON.stringify({ Service: 's3.amazonaws.com' }));
  const expectedConditions = { ArnEquals: { 'aws:SourceArn': `arn:aws:s3:::${TRAIL_BUCKET}` }, StringEquals: { 'aws:SourceAccount': LOG_ARCHIVE } };
  const resolvedConditions = (s: Statement) => ({
    ArnEquals: { 'aws:SourceArn': resolveCfn(s.Condition.ArnEquals['aws:SourceArn'], auditEnv) },
    StringEquals: s.Condition.StringEquals,
  });

  it("the queue policy lets S3 send the trail bucket's notifications, only from that bucket in that account", () => {
    const queueId = ingestQueueId();
    const policies = resourcesOfType(audit.json, 'AWS::SQS::QueuePolicy').filter(([, r]) => JSON.stringify(r.Properties!.Queues).includes(queueId));
    expect(policies).toHaveLength(1);
    const s3 = s3Statements(policies[0][1].Properties!.PolicyDocument.Statement);
    expect(s3).toHaveLength(1);
    expect(s3[0].Effect).toBe('Allow');
    expect(s3[0].Action).toBe('sqs:SendMessage');
    expect(s3[0].Resource).toEqual({ 'Fn::GetAtt': [queueId, 'Arn'] });
    expect(resolvedConditions(s3[0])).toEqual(expectedConditions);
    // nothing reaches the bus from that bucket, so the objects rule does not wait for it
    const objects = audit.json.Resources[logicalId(audit.stack, audit.stack.trail.objectsRule)].Properties!;
    expect(JSON.stringify(objects.EventPattern)).not.toContain(TRAIL_BUCKET);
  });

  it("the queue's key admits S3 for that bucket only, to encrypt the notifications it sends", () => {
    const queue = audit.json.Resources[ingestQueueId()].Properties!;
    expect(queue.KmsMasterKeyId).toEqual({ 'Fn::GetAtt': [dataKeyId(), 'Arn'] });
    const s3 = s3Statements(audit.json.Resources[dataKeyId()].Properties!.KeyPolicy.Statement);
    expect(s3).toHaveLength(1);
    expect(asList(s3[0].Action).sort()).toEqual(['kms:Decrypt', 'kms:GenerateDataKey']);
    expect(resolvedConditions(s3[0])).toEqual(expectedConditions);
  });

  it('org-policy, fed the stack outputs, names the same queue and the same reader roles as the audit stack grants', () => {
    const outputs = audit.json.Outputs as Record<string, { Value: unknown }>;
    const queueArn = resolveCfn(outputs.IngestQueueArn.Value, auditEnv);
    const readers = resolveCfn(outputs.TrailReaderRoleArns.Value, auditEnv).split(',');
    const listers = resolveCfn(outputs.TrailListerRoleArns.Value, auditEnv).split(',');
    const access = orgAccess({
      trailBucket: TRAIL_BUCKET,
      trailPrefix: 'org/',
      trailKeyArn: TRAIL_KEY,
      readerRoleArns: readers,
      listerRoleArns: listers,
      auditAccount: AUDIT,
      region: REGION,
      queueArn,
    });
    const printed = orgPolicyDocument(access, 'queue') as any;

    // the queue the bucket notifies is the one ingest consumes and the queue policy opens
    const [, mapping] = resourcesOfType(audit.json, 'AWS::Lambda::EventSourceMapping').find(([, r]) =>
      JSON.stringify(r.Properties!.EventSourceArn).includes(ingestQueueId()),
    )!;
    expect(resolveCfn(mapping.Properties!.EventSourceArn, auditEnv)).toBe(queueArn);
    expect(printed.logArchiveAccount.bucketNotification.notificationConfiguration).toEqual({
      QueueConfigurations: [
        {
          Id: 'immutrail-trail-log-files',
          QueueArn: queueArn,
          Events: ['s3:ObjectCreated:*'],
          Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'org/' }] } },
        },
      ],
    });

    // the roles the bucket and key policies name are the ingest and reconcile functions' roles
    const functionRoles = [audit.stack.trail.ingestFunction, audit.stack.trail.reconcileFunction!].map((fn) =>
      resolveCfn({ 'Fn::GetAtt': [logicalId(audit.stack, fn.role! as any), 'Arn'] }, auditEnv),
    );
    expect(readers.sort()).toEqual(functionRoles.sort());
    // the watchdog's delivery check lists key names: it is in the ListBucket statement, and in no other
    const watchdogRole = resolveCfn({ 'Fn::GetAtt': [logicalId(audit.stack, audit.stack.trail.watchdogFunction!.role! as any), 'Arn'] }, auditEnv);
    expect(listers).toEqual([watchdogRole]);
    const principalsBySid = Object.fromEntries(
      [...printed.logArchiveAccount.trailBucketPolicyStatements, ...printed.logArchiveAccount.trailKeyPolicyStatements].map((s: Statement) => [
        s.Sid,
        [...s.Principal.AWS].sort(),
      ]),
    );
    expect(principalsBySid).toEqual({
      ImmutrailReadTrailLogFiles: functionRoles.sort(),
      ImmutrailListTrailLogFiles: [...functionRoles, watchdogRole].sort(),
      ImmutrailDecryptTrailLogFiles: functionRoles.sort(),
    });
    // and the audit stack grants it exactly that listing, under the prefix the statement allows
    const watchdogList = resourcesOfType(audit.json, 'AWS::IAM::Policy')
      .filter(([, r]) => JSON.stringify(r.Properties!.Roles).includes(logicalId(audit.stack, audit.stack.trail.watchdogFunction!.role! as any)))
      .flatMap(([, r]) => r.Properties!.PolicyDocument.Statement as Statement[])
      .filter((st) => JSON.stringify(st.Resource).includes(TRAIL_BUCKET));
    expect(watchdogList.map((st) => [st.Action, resolveCfn(st.Resource, auditEnv), st.Condition])).toEqual([
      ['s3:ListBucket', `arn:aws:s3:::${TRAIL_BUCKET}`, { StringLike: { 's3:prefix': ['org/AWSLogs/*'] } }],
    ]);
    expect(printed.logArchiveAccount.trailKeyPolicyStatements[0].Condition).toEqual({ StringEquals: { 'kms:ViaService': `s3.${REGION}.amazonaws.com` } });
  });
});

describe('cdk-nag', () => {
  it('reports nothing on the member stack', () => {
    const report = new AwsSolutionsChecks().validateScope(memberApp);
    expect(report.violations.map((v) => `${v.ruleName} ${v.violatingResources.map((r) => r.constructPath).join(',')}`)).toEqual([]);
  });
});

describe('refused values', () => {
  it('an organization id or member account that is malformed', () => {
    for (const context of [
      { organizationId: 'o-short' },
      { organizationId: 'r-a1b2c3d4e5' },
      { memberAccounts: '3333' },
      { memberAccounts: `${MEMBER},${MEMBER}` },
    ]) {
      expect(() => synthImmutrail({ context }), JSON.stringify(context)).toThrow(AuditTrailConfigError);
    }
  });

  it('a trail bucket account without the trail bucket', () => {
    expect(() => synthImmutrail({ context: { trailBucketAccount: LOG_ARCHIVE } })).toThrow(/needs trailBucket/);
  });
});
