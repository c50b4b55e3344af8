/**
 * Pins each security property of the synthesized stack, so a later change that
 * weakens one fails here. One synthesis (with real esbuild bundling) is shared
 * by every test of the file.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { Match } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENV } from '../../lib/contract/runtime-config';
import { cleanupSynths, type CfnResource, type Synthesized, logicalId, resourcesOfType, synthImmutrail } from './synth-helper';

let s: Synthesized;
let ids: {
  bucket: string;
  logBucket: string;
  dataKey: string;
  signingKey: string;
  table: string;
  topic: string;
  staging: string;
  stream: string;
  queue: string;
  dlq: string;
  deliveryFailures: string;
  ingest: string;
  seal: string;
};

beforeAll(() => {
  s = synthImmutrail({ bundle: true });
  const t = s.stack.trail;
  ids = {
    bucket: logicalId(s.stack, t.bucket),
    logBucket: logicalId(s.stack, t.accessLogBucket!),
    dataKey: logicalId(s.stack, t.dataKey),
    signingKey: logicalId(s.stack, t.signingKey),
    table: logicalId(s.stack, t.table),
    topic: logicalId(s.stack, t.alertTopic),
    staging: logicalId(s.stack, t.stagingBucket),
    stream: s.stack.getLogicalId(t.liveStream.stream),
    queue: logicalId(s.stack, t.queue),
    dlq: logicalId(s.stack, t.deadLetterQueue),
    deliveryFailures: logicalId(s.stack, t.deliveryFailureQueue),
    ingest: logicalId(s.stack, t.ingestFunction),
    seal: logicalId(s.stack, t.sealFunction),
  };
}, 120_000);

afterAll(cleanupSynths);

const res = (id: string): CfnResource => {
  const r = s.json.Resources[id];
  if (!r) throw new Error(`no resource ${id}`);
  return r;
};
const arnOf = (id: string) => ({ 'Fn::GetAtt': [id, 'Arn'] });

/** Statements of the resource policy attached to `targetId` by a policy resource of `type`. */
function policyStatements(type: string, targetProp: string, targetId: string): any[] {
  const attached = resourcesOfType(s.json, type).filter(([, r]) => {
    const target = r.Properties?.[targetProp];
    const refs = Array.isArray(target) ? target : [target];
    return refs.some((x) => JSON.stringify(x) === JSON.stringify({ Ref: targetId }));
  });
  expect(attached.length, `${type} for ${targetId}`).toBeGreaterThan(0);
  return attached.flatMap(([, r]) => r.Properties!.PolicyDocument.Statement as any[]);
}

const asArray = <T>(x: T | T[]): T[] => (Array.isArray(x) ? x : [x]);

function expectTlsOnlyDeny(statements: any[]): void {
  const deny = statements.find(
    (st) =>
      st.Effect === 'Deny' &&
      st.Condition?.Bool?.['aws:SecureTransport'] === 'false' &&
      (st.Principal === '*' || JSON.stringify(st.Principal) === JSON.stringify({ AWS: '*' })),
  );
  expect(deny, 'a statement denying every request without TLS').toBeDefined();
}

describe('archive bucket', () => {
  it('has Object Lock on with a COMPLIANCE default retention of the configured days', () => {
    const p = res(ids.bucket).Properties!;
    expect(p.ObjectLockEnabled).toBe(true);
    expect(p.ObjectLockConfiguration).toEqual({
      ObjectLockEnabled: 'Enabled',
      Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Days: 365 } },
    });
    expect(s.stack.trail.retentionDays).toBe(365);
  });

  it('is versioned', () => {
    expect(res(ids.bucket).Properties!.VersioningConfiguration).toEqual({ Status: 'Enabled' });
  });

  it('is encrypted with SSE-KMS under the customer-managed data key', () => {
    const rules = res(ids.bucket).Properties!.BucketEncryption.ServerSideEncryptionConfiguration;
    expect(rules).toHaveLength(1);
    expect(rules[0].ServerSideEncryptionByDefault).toEqual({
      SSEAlgorithm: 'aws:kms',
      KMSMasterKeyID: arnOf(ids.dataKey),
    });
    expect(res(ids.dataKey).Type).toBe('AWS::KMS::Key');
  });

  it('blocks every form of public access', () => {
    expect(res(ids.bucket).Properties!.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
  });

  it('denies every request that is not over TLS', () => {
    expectTlsOnlyDeny(policyStatements('AWS::S3::BucketPolicy', 'Bucket', ids.bucket));
  });

  it('denies every principal object deletion and governance bypass, unconditionally', () => {
    const st = policyStatements('AWS::S3::BucketPolicy', 'Bucket', ids.bucket).find(
      (x) => x.Effect === 'Deny' && asArray(x.Action).includes('s3:DeleteObjectVersion'),
    );
    expect(st).toBeDefined();
    expect(st.Principal).toEqual({ AWS: '*' });
    expect(st.Condition).toBeUndefined();
    expect(asArray(st.Action)).toEqual(expect.arrayContaining(['s3:DeleteObject', 's3:DeleteObjectVersion', 's3:BypassGovernanceRetention']));
    expect(asArray(st.Resource)).toEqual([{ 'Fn::Join': ['', [arnOf(ids.bucket), '/*']] }]);
  });

  it('denies every principal changes to the lock configuration and the lifecycle, unconditionally', () => {
    const st = policyStatements('AWS::S3::BucketPolicy', 'Bucket', ids.bucket).find(
      (x) => x.Effect === 'Deny' && asArray(x.Action).includes('s3:PutBucketObjectLockConfiguration'),
    );
    expect(st).toBeDefined();
    expect(st.Principal).toEqual({ AWS: '*' });
    expect(st.Condition).toBeUndefined();
    expect(asArray(st.Action)).toEqual(expect.arrayContaining(['s3:PutLifecycleConfiguration']));
    expect(asArray(st.Resource)).toEqual([arnOf(ids.bucket)]);
  });

  it('denies placing any retention mode other than COMPLIANCE (the only retention change a writer could make)', () => {
    const st = policyStatements('AWS::S3::BucketPolicy', 'Bucket', ids.bucket).find(
      (x) => x.Effect === 'Deny' && asArray(x.Action).includes('s3:PutObjectRetention'),
    );
    expect(st).toBeDefined();
    expect(st.Principal).toEqual({ AWS: '*' });
    expect(asArray(st.Action).sort()).toEqual(['s3:PutObject', 's3:PutObjectRetention']);
    expect(st.Condition).toEqual({
      Null: { 's3:object-lock-mode': 'false' },
      StringNotEquals: { 's3:object-lock-mode': 'COMPLIANCE' },
    });
  });

  it('writes server access logs to a separate, private, TLS-only bucket', () => {
    const logging = res(ids.bucket).Properties!.LoggingConfiguration;
    expect(logging.DestinationBucketName).toEqual({ Ref: ids.logBucket });
    expect(ids.logBucket).not.toBe(ids.bucket);
    const log = res(ids.logBucket).Properties!;
    expect(log.PublicAccessBlockConfiguration).toEqual(res(ids.bucket).Properties!.PublicAccessBlockConfiguration);
    const statements = policyStatements('AWS::S3::BucketPolicy', 'Bucket', ids.logBucket);
    expectTlsOnlyDeny(statements);
    const deliveries = statements.filter((x) => x.Effect === 'Allow');
    for (const d of deliveries) expect(d.Principal).toEqual({ Service: 'logging.s3.amazonaws.com' });
    // only the stack's own buckets may deliver their logs there: archive, staging, Athena results
    const sources = deliveries.flatMap((d) => asArray(d.Condition.ArnLike['aws:SourceArn']).map((x) => JSON.stringify(x)));
    const results = logicalId(s.stack, s.stack.trail.queryCatalog!.resultsBucket);
    expect(sources.sort()).toEqual([ids.bucket, ids.staging, results].map((id) => JSON.stringify(arnOf(id))).sort());
  });

  it('is retained when the stack is deleted', () => {
    expect((res(ids.bucket) as any).DeletionPolicy).toBe('Retain');
  });
});

describe('staging bucket (the live lane)', () => {
  it('is encrypted with SSE-KMS under the data key, with an S3 Bucket Key', () => {
    expect(res(ids.staging).Properties!.BucketEncryption.ServerSideEncryptionConfiguration).toEqual([
      { BucketKeyEnabled: true, ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: arnOf(ids.dataKey) } },
    ]);
  });

  it('is private, ACLs disabled, TLS only', () => {
    const p = res(ids.staging).Properties!;
    expect(p.PublicAccessBlockConfiguration).toEqual(res(ids.bucket).Properties!.PublicAccessBlockConfiguration);
    expect(p.OwnershipControls).toEqual({ Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] });
    expectTlsOnlyDeny(policyStatements('AWS::S3::BucketPolicy', 'Bucket', ids.staging));
  });

  it('expires staged objects after 14 days and has no Object Lock (they are transient copies, the archive is the record)', () => {
    const p = res(ids.staging).Properties!;
    expect(p.LifecycleConfiguration.Rules).toEqual([expect.objectContaining({ Status: 'Enabled', ExpirationInDays: 14 })]);
    expect(p.LifecycleConfiguration.Rules[0].Prefix).toBeUndefined();
    expect(p.ObjectLockEnabled).toBeUndefined();
    expect(p.ObjectLockConfiguration).toBeUndefined();
  });

  it('reports every new object to EventBridge natively, without a notifications custom resource', () => {
    expect(res(ids.staging).Properties!.NotificationConfiguration).toEqual({ EventBridgeConfiguration: { EventBridgeEnabled: true } });
    expect(Object.values(s.json.Resources).filter((r) => r.Type.startsWith('Custom::'))).toEqual([]);
  });

  it('is access-logged to the log bucket and retained', () => {
    expect(res(ids.staging).Properties!.LoggingConfiguration).toEqual({ DestinationBucketName: { Ref: ids.logBucket }, LogFilePrefix: 'staging/' });
    expect((res(ids.staging) as any).DeletionPolicy).toBe('Retain');
  });

  it('Firehose is the only writer, confined to live/ and live-errors/, and may not delete', () => {
    const writers = resourcesOfType(s.json, 'AWS::IAM::Policy').flatMap(([, p]) =>
      (p.Properties!.PolicyDocument.Statement as any[])
        .filter((st) => asArray<string>(st.Action).some((a) => /^s3:(PutObject|\*|Put\*)$/.test(a)))
        .filter((st) => JSON.stringify(st.Resource).includes(`"${ids.staging}"`))
        .map((st) => ({ roles: p.Properties!.Roles, st })),
    );
    const firehoseRole = res(ids.stream).Properties!.ExtendedS3DestinationConfiguration.RoleARN['Fn::GetAtt'][0];
    expect(writers.map((w) => w.roles)).toEqual([[{ Ref: firehoseRole }]]);
    const [{ st }] = writers;
    expect(asArray(st.Action).sort()).toEqual(['s3:AbortMultipartUpload', 's3:GetObject', 's3:PutObject']);
    expect(asArray(st.Resource)).toHaveLength(2);
    expect(asArray(st.Resource)).toEqual(
      expect.arrayContaining([{ 'Fn::Join': ['', [arnOf(ids.staging), '/live/*']] }, { 'Fn::Join': ['', [arnOf(ids.staging), '/live-errors/*']] }]),
    );
    expect(res(firehoseRole).Properties!.AssumeRolePolicyDocument.Statement).toEqual([
      {
        Action: 'sts:AssumeRole',
        Effect: 'Allow',
        Principal: { Service: 'firehose.amazonaws.com' },
        Condition: { StringEquals: { 'sts:ExternalId': { Ref: 'AWS::AccountId' } } },
      },
    ]);
  });
});

describe('index table', () => {
  it('has string keys pk and sk, on-demand billing and PITR', () => {
    const p = res(ids.table).Properties!;
    expect(p.KeySchema).toEqual([
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ]);
    expect(p.AttributeDefinitions).toEqual(
      expect.arrayContaining([
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
        { AttributeName: 'outbox', AttributeType: 'S' },
      ]),
    );
    expect(p.BillingMode).toBe('PAY_PER_REQUEST');
    expect(p.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
  });

  it('is encrypted with the customer-managed data key', () => {
    expect(res(ids.table).Properties!.SSESpecification).toEqual({
      SSEEnabled: true,
      SSEType: 'KMS',
      KMSMasterKeyId: arnOf(ids.dataKey),
    });
  });

  it('has the sparse outbox index keyed by outbox and sk', () => {
    const gsis = res(ids.table).Properties!.GlobalSecondaryIndexes;
    expect(gsis).toEqual([
      {
        IndexName: 'outbox',
        KeySchema: [
          { AttributeName: 'outbox', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      },
    ]);
  });

  it('is deletion-protected and retained', () => {
    expect(res(ids.table).Properties!.DeletionProtectionEnabled).toBe(true);
    expect((res(ids.table) as any).DeletionPolicy).toBe('Retain');
  });
});

describe('keys', () => {
  it('the data key is symmetric with rotation on', () => {
    const p = res(ids.dataKey).Properties!;
    expect(p.KeySpec ?? 'SYMMETRIC_DEFAULT').toBe('SYMMETRIC_DEFAULT');
    expect(p.EnableKeyRotation).toBe(true);
  });

  it('the signing key is ECC P-256 for signing and verifying', () => {
    const p = res(ids.signingKey).Properties!;
    expect(p.KeySpec).toBe('ECC_NIST_P256');
    expect(p.KeyUsage).toBe('SIGN_VERIFY');
  });

  it('both keys are retained when the stack is deleted', () => {
    expect((res(ids.dataKey) as any).DeletionPolicy).toBe('Retain');
    expect((res(ids.signingKey) as any).DeletionPolicy).toBe('Retain');
  });

  it('CloudWatch may use the data key to publish alarms to the encrypted topic', () => {
    const st = res(ids.dataKey).Properties!.KeyPolicy.Statement as any[];
    const cw = st.filter((x) => x.Principal?.Service === 'cloudwatch.amazonaws.com');
    expect(cw).toHaveLength(1);
    expect(asArray(cw[0].Action).sort()).toEqual(['kms:Decrypt', 'kms:GenerateDataKey']);
  });

  it('EventBridge may use the data key only for events of this account', () => {
    const st = res(ids.dataKey).Properties!.KeyPolicy.Statement as any[];
    const events = st.filter((x) => x.Principal?.Service === 'events.amazonaws.com');
    expect(events.length).toBeGreaterThan(0);
    for (const x of events) {
      expect(x.Condition).toEqual({ StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } });
    }
  });
});

describe('alert topic', () => {
  it('is encrypted with the data key and TLS-only', () => {
    expect(res(ids.topic).Properties!.KmsMasterKeyId).toEqual(arnOf(ids.dataKey));
    expectTlsOnlyDeny(policyStatements('AWS::SNS::TopicPolicy', 'Topics', ids.topic));
  });

  it('has no subscription unless an e-mail address is configured', () => {
    expect(resourcesOfType(s.json, 'AWS::SNS::Subscription')).toHaveLength(0);
  });
});

describe('ingest queues', () => {
  it('the objects queue and its dead-letter queue are standard queues that keep messages 14 days', () => {
    for (const id of [ids.queue, ids.dlq, ids.deliveryFailures]) {
      const p = res(id).Properties!;
      expect(p.FifoQueue, id).toBeUndefined();
      expect(p.ContentBasedDeduplication, id).toBeUndefined();
      expect(p.MessageRetentionPeriod, id).toBe(14 * 24 * 3600);
    }
  });

  it('every queue is KMS-encrypted with the data key and TLS-only', () => {
    for (const id of [ids.queue, ids.dlq, ids.deliveryFailures]) {
      expect(res(id).Properties!.KmsMasterKeyId, id).toEqual(arnOf(ids.dataKey));
      expectTlsOnlyDeny(policyStatements('AWS::SQS::QueuePolicy', 'Queues', id));
    }
  });

  it('the visibility timeout is at least six times the ingest function timeout', () => {
    const timeout = res(ids.ingest).Properties!.Timeout as number;
    expect(timeout).toBeGreaterThan(0);
    expect(res(ids.queue).Properties!.VisibilityTimeout).toBeGreaterThanOrEqual(6 * timeout);
  });

  it('redrives to the dead-letter queue after 5 receives', () => {
    expect(res(ids.queue).Properties!.RedrivePolicy).toEqual({ deadLetterTargetArn: arnOf(ids.dlq), maxReceiveCount: 5 });
  });

  it.each<[string, () => string, string, number]>([
    ['the dead-letter queue holds a message', () => ids.dlq, 'ApproximateNumberOfMessagesVisible', 0],
    ['EventBridge could not deliver to the stream or the queue', () => ids.deliveryFailures, 'ApproximateNumberOfMessagesVisible', 0],
    ['the oldest object notification has waited 15 minutes', () => ids.queue, 'ApproximateAgeOfOldestMessage', 900],
  ])('alarms to the alert topic as soon as %s', (_what, queue, metric, threshold) => {
    s.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SQS',
      MetricName: metric,
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [queue(), 'QueueName'] } }],
      ComparisonOperator: 'GreaterThanThreshold',
      Threshold: threshold,
      AlarmActions: [{ Ref: ids.topic }],
    });
  });
});

describe('functions', () => {
  it('run on Node.js 24 on arm64', () => {
    const fns = resourcesOfType(s.json, 'AWS::Lambda::Function');
    expect(fns.map(([id]) => id).sort()).toEqual([ids.ingest, ids.seal].sort());
    for (const [, fn] of fns) {
      expect(fn.Properties!.Runtime).toBe('nodejs24.x');
      expect(fn.Properties!.Architectures).toEqual(['arm64']);
    }
  });

  it('ingest consumes the objects queue: batches of up to 10 within 10 s, partial failures, at most 2 at a time', () => {
    const mappings = resourcesOfType(s.json, 'AWS::Lambda::EventSourceMapping');
    expect(mappings.map(([, m]) => m.Properties)).toEqual([
      {
        EventSourceArn: arnOf(ids.queue),
        FunctionName: { Ref: ids.ingest },
        BatchSize: 10,
        MaximumBatchingWindowInSeconds: 10,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        ScalingConfig: { MaximumConcurrency: 2 },
      },
    ]);
  });

  it('ingest has 5 minutes and one full vCPU (1,769 MB) per batch of objects', () => {
    expect(res(ids.ingest).Properties!.Timeout).toBe(300);
    expect(res(ids.ingest).Properties!.MemorySize).toBe(1769);
  });

  it('seal runs every five minutes', () => {
    s.template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(5 minutes)',
      Targets: [Match.objectLike({ Arn: arnOf(ids.seal) })],
    });
  });

  it('get their configuration through the documented environment variables', () => {
    const env = res(ids.ingest).Properties!.Environment.Variables;
    expect(env[ENV.archiveBucket]).toEqual({ Ref: ids.bucket });
    expect(env[ENV.table]).toEqual({ Ref: ids.table });
    expect(env[ENV.signingKeyId]).toEqual(arnOf(ids.signingKey));
    expect(env[ENV.alertTopicArn]).toEqual({ Ref: ids.topic });
    expect(env[ENV.retentionDays]).toBe('365');
    expect(JSON.parse(env[ENV.shardPlan])).toEqual(JSON.parse(JSON.stringify(s.stack.trail.shardPlan)));
    expect(env[ENV.captureReadOnly]).toBe('false');
    expect(env[ENV.stagingBucket]).toEqual({ Ref: ids.staging });
    expect(env[ENV.stagingPrefix]).toBe('live/');
    // without a trail bucket there is no trail lane to read
    expect(env[ENV.trailBucket]).toBeUndefined();
  });

  it('are bundled locally by esbuild: minified code with a source map, no Docker', () => {
    const assets = JSON.parse(readFileSync(path.join(s.app.outdir, 'Immutrail.assets.json'), 'utf8')) as {
      files: Record<string, { source: { path: string; packaging?: string } }>;
    };
    const key = res(ids.ingest).Properties!.Code.S3Key as string;
    const asset = assets.files[key.replace(/\.zip$/, '')];
    expect(asset?.source.packaging).toBe('zip');
    const dir = path.join(s.app.outdir, asset.source.path);
    expect(existsSync(path.join(dir, 'index.js'))).toBe(true);
    expect(existsSync(path.join(dir, 'index.js.map'))).toBe(true);
    const code = readFileSync(path.join(dir, 'index.js'), 'utf8');
    // minified: nearly all of the bundle is in very long lines (what is left
    // are multi-line string literals of dependencies)
    const inLongLines = code
      .split('\n')
      .filter((l) => l.length > 500)
      .reduce((n, l) => n + l.length, 0);
    expect(inLongLines / code.length).toBeGreaterThan(0.95);
    expect(res(ids.ingest).Properties!.Environment.Variables.NODE_OPTIONS).toBe('--enable-source-maps');
  });

  it('the ingest bundle carries the Sigma rules next to the handler, where it loads them', () => {
    const assets = JSON.parse(readFileSync(path.join(s.app.outdir, 'Immutrail.assets.json'), 'utf8')) as {
      files: Record<string, { source: { path: string } }>;
    };
    const assetDir = (fnId: string) => path.join(s.app.outdir, assets.files[(res(fnId).Properties!.Code.S3Key as string).replace(/\.zip$/, '')].source.path);
    // SigmaHQ's copies (rules/sigma) and immutrail's own rules (rules/immutrail)
    for (const folder of ['sigma', 'immutrail']) {
      const repoRules = readdirSync(path.resolve(__dirname, '../../rules', folder)).filter((f) => f.endsWith('.yml'));
      expect(repoRules.length, folder).toBeGreaterThan(0);
      expect(
        readdirSync(path.join(assetDir(ids.ingest), 'rules', folder))
          .filter((f) => f.endsWith('.yml'))
          .sort(),
        folder,
      ).toEqual(repoRules.sort());
    }
    // the seal function runs no detectors and carries no rules
    expect(existsSync(path.join(assetDir(ids.seal), 'rules'))).toBe(false);
  });
});

describe('deployment', () => {
  it('checks the CDK bootstrap version by default', () => {
    expect(s.json.Rules?.CheckBootstrapVersion).toBeDefined();
  });
});

describe('outputs', () => {
  it('name what the CLI and the demo need to reach the trail and both lanes', () => {
    const outputs = (s.json.Outputs ?? {}) as Record<string, { Value: unknown }>;
    expect(Object.keys(outputs).sort()).toEqual(
      [
        'AlertTopicArn',
        'ArchiveBucketName',
        'AthenaWorkGroup',
        'GlueDatabaseName',
        'DeadLetterQueueUrl',
        'IngestFunctionName',
        'IngestQueueUrl',
        'LiveStreamName',
        'Origin',
        'SigningKeyArn',
        'StagingBucketName',
        'TableName',
      ].sort(),
    );
    expect(outputs.IngestQueueUrl.Value).toEqual({ Ref: ids.queue });
    expect(outputs.DeadLetterQueueUrl.Value).toEqual({ Ref: ids.dlq });
    expect(outputs.StagingBucketName.Value).toEqual({ Ref: ids.staging });
    expect(outputs.LiveStreamName.Value).toEqual({ Ref: ids.stream });
    // backfill --stack reads the capture filter and shard plan from this function's environment
    expect(outputs.IngestFunctionName.Value).toEqual({ Ref: expect.stringMatching(/Ingest/) });
    // query --athena --stack reads the catalog's names, which come from the stack's name
    expect(outputs.AthenaWorkGroup.Value).toBe('immutrail-Immutrail');
    expect(outputs.GlueDatabaseName.Value).toBe('immutrail_immutrail');
  });
});
