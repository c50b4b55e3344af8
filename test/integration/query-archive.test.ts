import { S3Client, CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { gzipSync } from 'node:zlib';
import { beforeAll, afterAll, describe, expect, it } from 'vitest';
import { clientConfig } from '../../lib/aws/client-config';
import { ENV } from '../../lib/contract/runtime-config';
import { orphanKeys } from '../../lib/cli/commands/query';
import { ingestRuntime } from '../../lib/commit/runtime';
import { ingestSqsBatch } from '../../lib/ingest/sqs-batch';
import { provisionLocalStack, type LocalStack } from '../../lib/local/provision';
import { DuckDbQueryEngine } from '../../lib/query/duckdb-engine';
import { NAMED_QUERIES } from '../../lib/query/named-queries';
import type { QueryResult } from '../../lib/query/types';
import { backfill } from '../../lib/cloudtrail/backfill';
import { S3LogFiles } from '../../lib/cloudtrail/log-file-source';
import { captureFromEnv } from '../../lib/cloudtrail/runtime';
import { TrailBucket } from '../../lib/cloudtrail/trail-bucket';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { apiCallEnvelope, sqsEvent, sqsMessage } from '../support/events';
import { useMoto } from '../support/moto';

const ADMIN = 'arn:aws:iam::111122223333:role/Admin';
const DEPLOY = 'arn:aws:iam::111122223333:role/deploy-pipeline';
const SG = 'sg-0123456789abcdef0';
const INSTANCE = 'i-0aaaabbbbccccdddd';
const UNSIGNED = 'sha256:' + '9'.repeat(64);

function stateChange(state: string, time: string) {
  return {
    version: '0',
    id: `ec2-${state}`,
    'detail-type': 'EC2 Instance State-change Notification',
    source: 'aws.ec2',
    account: '111122223333',
    time,
    region: 'eu-west-1',
    resources: [`arn:aws:ec2:eu-west-1:111122223333:instance/${INSTANCE}`],
    detail: { 'instance-id': INSTANCE, state },
  };
}

function ecsTask(digest: string) {
  const task = 'arn:aws:ecs:eu-west-1:111122223333:task/prod/abc123';
  return {
    version: '0',
    id: 'ecs-task-1',
    'detail-type': 'ECS Task State Change',
    source: 'aws.ecs',
    account: '111122223333',
    time: '2026-11-20T11:00:00Z',
    region: 'eu-west-1',
    resources: [task],
    detail: {
      taskArn: task,
      lastStatus: 'RUNNING',
      desiredStatus: 'RUNNING',
      clusterArn: 'arn:aws:ecs:eu-west-1:111122223333:cluster/prod',
      containers: [
        { name: 'web', image: `111122223333.dkr.ecr.eu-west-1.amazonaws.com/web@${digest}`, imageDigest: digest, lastStatus: 'RUNNING', taskArn: task },
      ],
    },
  };
}

function rootConsoleLogin() {
  const e = apiCallEnvelope({ eventId: 'root-login', eventSource: 'signin.amazonaws.com', eventName: 'ConsoleLogin', time: '2026-11-20T09:00:00Z' });
  e['detail-type'] = 'AWS Console Sign In via CloudTrail';
  Object.assign(e.detail, {
    userIdentity: { type: 'Root', principalId: '111122223333', arn: 'arn:aws:iam::111122223333:root', accountId: '111122223333' },
    eventType: 'AwsConsoleSignIn',
    responseElements: { ConsoleLogin: 'Success' },
    additionalEventData: { MFAUsed: 'No' },
    requestParameters: null,
  });
  return e;
}

function failed() {
  const e = apiCallEnvelope({
    eventId: 'denied-1',
    eventSource: 's3.amazonaws.com',
    eventName: 'PutBucketPolicy',
    requestParameters: { bucketName: 'payroll' },
    time: '2026-11-20T12:00:00Z',
  });
  Object.assign(e.detail, { errorCode: 'AccessDenied', errorMessage: 'Access Denied' });
  return e;
}

describe('every named query on DuckDB over an archive written by the real ingest path', () => {
  const moto = useMoto();
  let stack: LocalStack;
  let engine: DuckDbQueryEngine;
  const results = new Map<string, QueryResult>();
  const run = async (name: string, params: Record<string, string> = {}) => engine.run({ name, params });
  const col = (r: QueryResult, c: string) => r.rows.map((row) => row[r.columns.indexOf(c)]);

  beforeAll(async () => {
    stack = await provisionLocalStack(moto.target, { objectLock: false, extraEnv: { [ENV.deployerPrincipals]: JSON.stringify([DEPLOY]) } });
    const env = { ...process.env, ...stack.env };
    const runtime = await ingestRuntime(env, moto.target);
    const api = [
      apiCallEnvelope({ eventId: 'sg-admin', roleArn: ADMIN, time: '2026-11-20T10:00:00Z' }),
      apiCallEnvelope({ eventId: 'sg-deploy', roleArn: DEPLOY, time: '2026-11-20T10:05:00Z' }),
      apiCallEnvelope({
        eventId: 'run-1',
        eventName: 'RunInstances',
        time: '2026-11-20T10:10:00Z',
        roleArn: DEPLOY,
        requestParameters: { instancesSet: { items: [{ imageId: 'ami-0123456789abcdef0' }] } },
      }),
      apiCallEnvelope({
        eventId: 'iam-1',
        eventSource: 'iam.amazonaws.com',
        eventName: 'PutUserPolicy',
        roleArn: ADMIN,
        time: '2026-11-20T10:30:00Z',
        requestParameters: { userName: 'bob', policyName: 'inline', policyDocument: '{}' },
      }),
      rootConsoleLogin(),
      failed(),
    ];
    // RunInstances names its instance in the response.
    (api[2].detail as Record<string, unknown>).responseElements = { instancesSet: { items: [{ instanceId: INSTANCE, imageId: 'ami-0123456789abcdef0' }] } };
    await ingestSqsBatch(runtime.deps, sqsEvent([...api.map((e) => sqsMessage(e, 'api')), sqsMessage('{"broken', 'api')]));
    await ingestSqsBatch(
      runtime.deps,
      sqsEvent([stateChange('running', '2026-11-20T10:11:00Z'), stateChange('terminated', '2026-11-20T18:00:00Z')].map((e) => sqsMessage(e, 'ec2'))),
    );
    await ingestSqsBatch(runtime.deps, sqsEvent([sqsMessage(ecsTask(UNSIGNED), 'ecs')]));
    // One trail log file, backfilled from the trail bucket, gives a coverage record.
    const s3 = new S3Client(clientConfig(moto.target));
    const trail = `${stack.name}-trail`;
    await s3.send(new CreateBucketCommand({ Bucket: trail }));
    const logKey = 'AWSLogs/111122223333/CloudTrail/eu-west-1/2026/11/20/111122223333_CloudTrail_eu-west-1_20261120T1000Z_a.json.gz';
    await s3.send(
      new PutObjectCommand({
        Bucket: trail,
        Key: logKey,
        Body: gzipSync(JSON.stringify({ Records: [api[0].detail, apiCallEnvelope({ eventId: 'only-in-log' }).detail] })),
      }),
    );
    await backfill(runtime.deps, new S3LogFiles(new TrailBucket(s3, trail, ''), ''), captureFromEnv(env));
    engine = await DuckDbQueryEngine.fromS3(s3, stack.bucket, {
      orphanKeys: await orphanKeys(s3, new DynamoDBClient(clientConfig(moto.target)), stack.bucket, stack.table),
    });
    const params: Record<string, Record<string, string>> = {
      'who-changed-resource': { resource: SG },
      'resource-timeline': { resource: INSTANCE },
      'principal-activity': { principal: ADMIN },
    };
    for (const q of NAMED_QUERIES) results.set(q.name, await run(q.name, params[q.name]));
  }, 180_000);

  afterAll(async () => {
    await engine?.close();
  });

  it('runs every named query', () => {
    expect([...results.keys()].sort()).toEqual(NAMED_QUERIES.map((q) => q.name).sort());
  });

  it('who changed the security group: the admin by hand (twice, once only in the log file) and the pipeline', () => {
    const r = results.get('who-changed-resource')!;
    expect(col(r, 'event_id')).toEqual(['sg-admin', 'sg-deploy', 'only-in-log']);
    expect(col(r, 'actor_session_issuer_arn')).toEqual([ADMIN, DEPLOY, ADMIN]);
  });

  it('the instance timeline runs from launch to terminate', () => {
    const r = results.get('resource-timeline')!;
    expect(col(r, 'ref')).toEqual(['run-1', 'ec2-running', 'ec2-terminated']);
    expect(col(r, 'what')[0]).toBe('RunInstances');
    expect(col(r, 'state')).toEqual([null, 'running', 'terminated']);
  });

  it('every action by the admin role (the default caller of the test events), and nothing by others', () => {
    expect(col(results.get('principal-activity')!, 'event_id').sort()).toEqual(['denied-1', 'iam-1', 'only-in-log', 'sg-admin']);
  });

  it('the unsigned launch and the drift are reported, the pipeline change is not drift', () => {
    // The ECS task's image and the AMI of RunInstances: nobody attested either.
    const unsigned = col(results.get('unsigned-launches')!, 'alert_resource').map(String).sort();
    expect(unsigned).toHaveLength(2);
    expect(unsigned[0]).toContain(UNSIGNED);
    expect(unsigned[1]).toContain('ami-0123456789abcdef0');
    const drift = results.get('drift-alerts')!;
    expect(col(drift, 'alert_event_id')).toContain('sg-admin');
    expect(col(drift, 'alert_event_id')).not.toContain('sg-deploy');
    // Alerts name the account their event happened in, through ingest, the archive and the query.
    expect(new Set([...col(drift, 'alert_account'), ...col(results.get('unsigned-launches')!, 'alert_account')])).toEqual(new Set(['111122223333']));
  });

  it('failed calls, root console activity without MFA, IAM changes', () => {
    expect(col(results.get('failed-calls')!, 'event_id')).toEqual(['denied-1']);
    expect(col(results.get('root-and-console-without-mfa')!, 'event_id')).toContain('root-login');
    expect(col(results.get('iam-changes')!, 'event_id')).toEqual(['iam-1']);
  });

  it('what ran which image, the coverage of the log file, and the quarantined delivery', () => {
    const images = results.get('image-usage')!;
    expect(col(images, 'digest').filter((d) => d !== null)).toEqual([UNSIGNED]);
    expect(col(images, 'image')).toContain('ami-0123456789abcdef0');
    const coverage = results.get('coverage-by-day')!;
    expect(coverage.rows).toHaveLength(1);
    expect(col(coverage, 'log_files')[0]).toBe(1);
    expect(col(coverage, 'recovered')[0]).toBe(1);
    expect(results.get('quarantined')!.rows).toHaveLength(1);
  });
});
