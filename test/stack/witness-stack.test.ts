import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { App, Duration } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { afterAll, describe, expect, it } from 'vitest';
import { ImmutrailWitnessStack } from '../../lib/construct/witness';
import { addSecurityChecks } from '../../lib/immutrail-stack';
import { WITNESS_ENV } from '../../lib/witness/runtime';
import { cleanupSynths, synthImmutrail } from './synth-helper';

const PEM = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
const AUDIT = 'arn:aws:s3:::immutrail-archive-111111111111';
const KEY_ARN = 'arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab';

/** The witness stack as bin/witness-app.ts builds it, with cdk-nag on: an unacknowledged finding throws. */
function synthWitness(): { template: Template; json: { Resources: Record<string, { Type: string; Properties?: any }> } } {
  // cdk.json's feature flags, as `cdk synth` uses them (e.g. access logs delivered by bucket policy).
  const flags = (JSON.parse(readFileSync(path.resolve(__dirname, '../../cdk.json'), 'utf8')) as { context?: object }).context ?? {};
  const app = new App({ context: { ...flags, 'aws:cdk:bundling-stacks': [] } });
  const stack = new ImmutrailWitnessStack(app, 'Witness', {
    env: { account: '222222222222', region: 'eu-west-1' },
    witness: {
      auditBucketName: 'immutrail-archive-111111111111',
      auditAccount: '111111111111',
      auditBucketKeyArn: KEY_ARN,
      archiveOrigin: 'immutrail/111111111111/eu-west-1/Immutrail/AuditTrail',
      archivePublicKeyPem: PEM,
      schedule: Duration.minutes(5),
    },
  });
  addSecurityChecks(app);
  const template = Template.fromStack(stack);
  return { template, json: template.toJSON() as never };
}

const policyStatements = (json: ReturnType<typeof synthWitness>['json']): any[] =>
  Object.values(json.Resources)
    .filter((r) => r.Type === 'AWS::IAM::Policy')
    .flatMap((r) => r.Properties.PolicyDocument.Statement as any[]);
const actionsOf = (s: any): string[] => [s.Action].flat();
/** A resource with the partition token written out as "aws". */
const flat = (r: any): string =>
  typeof r === 'string'
    ? r
    : (r['Fn::Join'][1] as any[]).map((p) => (typeof p === 'string' ? p : p.Ref === 'AWS::Partition' ? 'aws' : JSON.stringify(p))).join('');

describe('ImmutrailWitnessStack', () => {
  const { template, json } = synthWitness();

  it('keeps cosigned notes in an Object Lock COMPLIANCE bucket of its own', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      ObjectLockEnabled: true,
      ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Days: 2555 } } },
      VersioningConfiguration: { Status: 'Enabled' },
    });
  });

  it('derives its key from a generated 64-character secret and runs every 5 minutes with the witness environment', () => {
    template.hasResourceProperties('AWS::SecretsManager::Secret', { GenerateSecretString: { PasswordLength: 64, ExcludePunctuation: true } });
    template.hasResourceProperties('AWS::DynamoDB::Table', { KeySchema: [{ AttributeName: 'origin', KeyType: 'HASH' }] });
    template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(5 minutes)' });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Environment: {
        Variables: Match.objectLike({
          [WITNESS_ENV.logPublicKey]: PEM,
          [WITNESS_ENV.keyName]: 'witness.222222222222',
          [WITNESS_ENV.auditBucket]: 'immutrail-archive-111111111111',
        }),
      },
      Layers: Match.anyValue(),
    });
  });

  it('grants the audit bucket only list of checkpoints/shards/, reads there and puts under its own cosignatures/ folder', () => {
    const audit = policyStatements(json).filter((s) => JSON.stringify(s.Resource).includes('immutrail-archive-111111111111'));
    expect(audit.map((s) => [actionsOf(s), flat(s.Resource), s.Condition ?? null])).toEqual([
      [['s3:ListBucket'], AUDIT, { StringLike: { 's3:prefix': ['checkpoints/shards/*'] } }],
      [['s3:GetObject'], `${AUDIT}/checkpoints/shards/*`, null],
      [['s3:PutObject'], `${AUDIT}/cosignatures/witness.222222222222/*`, null],
    ]);
    const onKey = policyStatements(json).filter((s) => [s.Resource].flat().includes(KEY_ARN));
    expect(onKey.flatMap(actionsOf).sort()).toEqual(['kms:Decrypt', 'kms:GenerateDataKey']);
  });

  it('has no delete, no wildcard action and no retention or lock change anywhere', () => {
    const actions = policyStatements(json).flatMap(actionsOf);
    expect(actions.filter((a) => /Delete|Bypass|Retention|LockConfiguration|\*$/.test(a))).toEqual([]);
  });
});

describe('AuditTrail witnesses', () => {
  afterAll(cleanupSynths);

  it('lets each witness list and read checkpoints and tiles, offer cosignatures, and use the data key through S3 only', () => {
    const { template } = synthImmutrail({ stackProps: { trail: { witnesses: [{ account: '222222222222' }] } } });
    const principal = { AWS: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::222222222222:root']] } };
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Sid: 'WitnessListShardCheckpoints0',
            Principal: principal,
            Action: 's3:ListBucket',
            Condition: { StringLike: { 's3:prefix': ['checkpoints/shards/', 'checkpoints/shards/*'] } },
          }),
          Match.objectLike({ Sid: 'WitnessReadShardCheckpointsAndTiles0', Principal: principal, Action: 's3:GetObject' }),
          Match.objectLike({ Sid: 'WitnessOfferCosignatures0', Principal: principal, Action: 's3:PutObject' }),
        ]),
      },
    });
    template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([Match.objectLike({ Sid: 'WitnessUseThroughS3', Action: ['kms:Decrypt', 'kms:GenerateDataKey'], Principal: principal })]),
      },
    });
  });
});
