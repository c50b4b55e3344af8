/**
 * The local stack deployed from the stack's own synthesized template
 * (CloudFormation on moto_server): what the emulator creates of both lanes,
 * what it cannot (Firehose) and what was done instead, and the objects rule
 * delivering S3 "Object Created" notifications of staged objects and trail
 * log files to the objects queue, as in the cloud.
 */
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { DescribeKeyCommand, GetPublicKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { GetObjectCommand, GetObjectLockConfigurationCommand, HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DeleteMessageCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { clientConfig } from '../../lib/aws/client-config';
import { ENV } from '../../lib/contract/runtime-config';
import { OUTBOX_INDEX } from '../../lib/contract/table-keys';
import { routePattern, ruleState } from '../../lib/contract/event-patterns';
import { planShards } from '../../lib/contract/shards';
import { type DeployedLocalStack, deployLocalStack } from '../../lib/local/deploy-template';
import type { SQSEvent } from 'aws-lambda';
import { ChainStore } from '../../lib/aws/chain-store';
import { liveHeads } from '../../lib/aws/live-heads';
import { S3Source } from '../../lib/aws/s3-source';
import { trustedKeyFromPem } from '../../lib/core/checkpoint';
import { lanesRuntime } from '../../lib/ingest/lanes-runtime';
import type { JsonObject } from '../../lib/core/json';
import { cloudTrailEnvelope } from '../../lib/demo/replay';
import { ingestSqsBatch } from '../../lib/ingest/sqs-batch';
import { drainQueue } from '../../lib/local/event-source';
import { runSeal, sealRuntime } from '../../lib/seal/runtime';
import { readLogFile } from '../../lib/cloudtrail/log-file';
import { verifyArchive } from '../../lib/verify/verify-archive';
import { fixtureBody, manifest } from '../unit/cloudtrail/fixtures';
import { apiCallEnvelope } from '../support/events';
import { useMoto } from '../support/moto';
import { cli } from '../support/cli';

const DEPLOYER = 'arn:aws:iam::*:role/deploy-*';
/** Every output of the stack but LiveStreamName, which names the Firehose stream moto cannot create. */
// With a trail bucket, the stack also names the roles that read its log files (for immutrail org-policy).
const OUTPUTS = [
  'ArchiveBucketName',
  'TableName',
  'SigningKeyArn',
  'AlertTopicArn',
  'IngestQueueUrl',
  'DeadLetterQueueUrl',
  'StagingBucketName',
  'Origin',
  'TrailReaderRoleArns',
  'AthenaWorkGroup',
  'GlueDatabaseName',
  'IngestFunctionName',
];
/** The fixture trail bucket's log files are under AWSLogs/, as CloudTrail writes them without a prefix of its own. */
const TRAIL_PREFIX = 'AWSLogs/';

async function queueArn(sqs: SQSClient, url: string): Promise<string> {
  return (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
}

/** Every message now in the queue, deleted once read. */
async function receiveAll(sqs: SQSClient, queueUrl: string): Promise<any[]> {
  const bodies: any[] = [];
  for (let idle = 0; idle < 2;) {
    const out = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }));
    if (!out.Messages?.length) {
      idle++;
      continue;
    }
    for (const m of out.Messages) {
      bodies.push(JSON.parse(m.Body!));
      await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: m.ReceiptHandle! }));
    }
  }
  return bodies;
}

/** What Firehose writes: the EventBridge envelopes it received, one per line. */
function stagedBatch(envelopes: readonly object[]): string {
  return envelopes.map((e) => `${JSON.stringify(e)}\n`).join('');
}

function logTimings(label: string, s: DeployedLocalStack): void {
  const t = s.timings;
  console.info(`${label}: synth ${t.synthMs} ms, upload ${t.uploadMs} ms, create-stack ${t.createStackMs} ms, total ${t.totalMs} ms`);
}

describe('deployLocalStack: immutrail from its synthesized template on moto_server', () => {
  const moto = useMoto();
  let stack: DeployedLocalStack;
  let trailBucket: string;
  const steps: string[] = [];

  beforeAll(async () => {
    trailBucket = manifest.trailBucket;
    stack = await deployLocalStack(moto.target, {
      deployerPrincipals: [DEPLOYER],
      trailBucket,
      trailPrefix: TRAIL_PREFIX,
      objectNotifications: true,
      onStep: (l) => steps.push(l),
    });
    logTimings('first deploy', stack);
  }, 120_000);

  it('creates the stack and describes the local stack by its outputs', async () => {
    const cfn = new CloudFormationClient(clientConfig(moto.target));
    const described = (await cfn.send(new DescribeStacksCommand({ StackName: stack.stackName }))).Stacks![0];
    expect(described.StackStatus).toBe('CREATE_COMPLETE');
    const outputs = Object.fromEntries(described.Outputs!.map((o) => [o.OutputKey!, o.OutputValue!]));
    expect(Object.keys(outputs).sort()).toEqual([...OUTPUTS].sort());
    expect(outputs.TrailReaderRoleArns.split(',').every((arn) => /^arn:aws:iam::\d{12}:role\//.test(arn))).toBe(true);
    expect(stack).toMatchObject({
      bucket: outputs.ArchiveBucketName,
      table: outputs.TableName,
      signingKeyId: outputs.SigningKeyArn,
      topicArn: outputs.AlertTopicArn,
      queueUrl: outputs.IngestQueueUrl,
      deadLetterQueueUrl: outputs.DeadLetterQueueUrl,
      stagingBucket: outputs.StagingBucketName,
      stagingPrefix: 'live/',
      origin: outputs.Origin,
      trailBucket,
      trailPrefix: TRAIL_PREFIX,
    });
    // The archive is the bucket created through the SDK, which the stack imports; the staging bucket is the template's.
    expect(stack.bucket).toBe(`${stack.name}-archive`);
    expect(stack.stagingBucket).not.toBe(stack.bucket);
    expect(stack.origin).toMatch(new RegExp(`^immutrail/\\d{12}/${moto.target.region}/${stack.stackName}/AuditTrail$`));

    const table = (await new DynamoDBClient(clientConfig(moto.target)).send(new DescribeTableCommand({ TableName: stack.table }))).Table!;
    expect(table.GlobalSecondaryIndexes?.map((i) => i.IndexName)).toContain(OUTBOX_INDEX);
  });

  it("gives the handlers the ingest function's environment, resolved to the deployed resources", async () => {
    const env = stack.env;
    expect(env[ENV.archiveBucket]).toBe(stack.bucket);
    expect(env[ENV.table]).toBe(stack.table);
    expect(env[ENV.signingKeyId]).toBe(stack.signingKeyId);
    expect(env[ENV.alertTopicArn]).toBe(stack.topicArn);
    expect(env[ENV.origin]).toBe(stack.origin);
    expect(env[ENV.stagingBucket]).toBe(stack.stagingBucket);
    expect(env[ENV.stagingPrefix]).toBe('live/');
    expect(env[ENV.trailBucket]).toBe(trailBucket);
    expect(env[ENV.trailPrefix]).toBe(TRAIL_PREFIX);
    // Set through the construct's props, not as an environment override.
    expect(JSON.parse(env[ENV.deployerPrincipals])).toEqual([DEPLOYER]);
    const sqs = new SQSClient(clientConfig(moto.target));
    const protectedResources = JSON.parse(env[ENV.protectedResources]);
    expect(protectedResources.buckets).toEqual([stack.bucket, stack.stagingBucket]);
    expect(protectedResources.tables).toEqual([stack.table]);
    expect(protectedResources.queues).toEqual(expect.arrayContaining([await queueArn(sqs, stack.queueUrl), await queueArn(sqs, stack.deadLetterQueueUrl)]));
    expect(protectedResources.rules).toContain(stack.rules.objectsRule.rule);
    expect(protectedResources.keys).toContain(stack.signingKeyId);
    for (const [name, value] of Object.entries(env)) {
      expect(value, name).not.toMatch(/\$\{Token|"Ref"|Fn::|AWS::/);
    }
  });

  it('signs with a key of the spec the template asks for (created through KMS, not by moto CloudFormation)', async () => {
    const kms = new KMSClient(clientConfig(moto.target));
    const key = (await kms.send(new DescribeKeyCommand({ KeyId: stack.signingKeyId }))).KeyMetadata!;
    expect(key.KeySpec).toBe('ECC_NIST_P256');
    expect(key.KeyUsage).toBe('SIGN_VERIFY');
    expect((await kms.send(new GetPublicKeyCommand({ KeyId: stack.signingKeyId }))).PublicKey?.length).toBeGreaterThan(0);
    expect(stack.keysCreatedBySdk.map((k) => k.existing.attributes.Arn)).toEqual([stack.signingKeyId]);
  });

  it('says what the emulator could not do and what was done instead', () => {
    expect(steps.some((l) => l.includes(stack.bucket) && l.includes('Object Lock COMPLIANCE'))).toBe(true);
    expect(steps.some((l) => l.includes('created through KMS'))).toBe(true);
    const changed = stack.adaptations.flatMap((a) => a.resources.map((r) => r.type));
    expect(changed).toEqual(expect.arrayContaining(['AWS::Lambda::EventSourceMapping', 'AWS::Events::Rule', 'AWS::KinesisFirehose::DeliveryStream']));
    // the stream goes with its output and the capture rules' targets, never silently
    const firehoseTargets = stack.adaptations.find((a) => a.change === 'Firehose targets removed')!;
    expect(firehoseTargets.resources).toHaveLength(planShards().length);
    expect(stack.adaptations.flatMap((a) => a.resources)).toContainEqual({ logicalId: 'LiveStreamName', type: 'Output' });
    for (const r of [...stack.notCreated, ...stack.adaptations.flatMap((a) => a.resources)]) {
      expect(
        steps.some((l) => l.includes(r.type)),
        r.type,
      ).toBe(true);
    }
    expect(steps.some((l) => l.includes('S3 -> EventBridge notifications turned on') && l.includes(stack.stagingBucket))).toBe(true);
  });

  it('keeps archived objects under Object Lock COMPLIANCE', async () => {
    const s3 = new S3Client(clientConfig(moto.target));
    const lock = await s3.send(new GetObjectLockConfigurationCommand({ Bucket: stack.bucket }));
    expect(lock.ObjectLockConfiguration?.Rule?.DefaultRetention?.Mode).toBe('COMPLIANCE');
    const key = 'probe/object-lock-check';
    await s3.send(new PutObjectCommand({ Bucket: stack.bucket, Key: key, Body: 'x' }));
    const head = await s3.send(new HeadObjectCommand({ Bucket: stack.bucket, Key: key }));
    expect(head.ObjectLockMode).toBe('COMPLIANCE');
    expect(head.ObjectLockRetainUntilDate!.getTime()).toBeGreaterThan(Date.now());
  });

  it('has the standard objects queue the construct defines (no FIFO, DLQ redrive after 5 receives, 6 x the ingest timeout)', async () => {
    const sqs = new SQSClient(clientConfig(moto.target));
    const a = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: stack.queueUrl, AttributeNames: ['All'] }))).Attributes!;
    expect(a.FifoQueue).toBeUndefined();
    expect(a.VisibilityTimeout).toBe('1800');
    expect(JSON.parse(a.RedrivePolicy!)).toEqual({ deadLetterTargetArn: await queueArn(sqs, stack.deadLetterQueueUrl), maxReceiveCount: 5 });
    const dlq = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: stack.deadLetterQueueUrl, AttributeNames: ['All'] }))).Attributes!;
    expect(dlq.FifoQueue).toBeUndefined();
  });

  it('deploys each capture rule with its pattern and state, and the objects rule into the objects queue', async () => {
    const sqs = new SQSClient(clientConfig(moto.target));
    const capture = { captureReadOnlyApiCalls: false };
    expect(stack.rules.captureRules.map((r) => r.pattern)).toEqual(
      expect.arrayContaining(planShards().map((route) => JSON.parse(JSON.stringify(routePattern(route, capture))))),
    );
    expect(stack.rules.captureRules).toHaveLength(planShards().length);
    expect(planShards().every((route) => ruleState(route, capture) === 'ENABLED')).toBe(true);
    expect(stack.rules.objectsRule.queueArn).toBe(await queueArn(sqs, stack.queueUrl));
    expect(stack.rules.objectsRule.pattern).toEqual({
      source: ['aws.s3'],
      'detail-type': ['Object Created'],
      detail: {
        $or: [
          { bucket: { name: [stack.stagingBucket] }, object: { key: [{ prefix: 'live/' }] } },
          { bucket: { name: [trailBucket] }, object: { key: [{ prefix: TRAIL_PREFIX }] } },
        ],
      },
    });
  });

  it('queues one "Object Created" notification per staged object under live/ and per trail log file under the prefix, nothing else', async () => {
    const s3 = new S3Client(clientConfig(moto.target));
    const sqs = new SQSClient(clientConfig(moto.target));
    await receiveAll(sqs, stack.queueUrl);
    const events = [apiCallEnvelope({ eventId: 'staged-1' }), apiCallEnvelope({ eventId: 'staged-2' })];
    const stagedKey = 'live/2026/11/20/10/immutrail-live-1-2026-11-20-10-15-30-0001';
    const logKey = `${TRAIL_PREFIX}111122223333/CloudTrail/eu-west-1/2026/11/20/111122223333_CloudTrail_eu-west-1_20261120T1015Z_abc.json.gz`;
    await s3.send(new PutObjectCommand({ Bucket: stack.stagingBucket, Key: stagedKey, Body: stagedBatch(events) }));
    await s3.send(new PutObjectCommand({ Bucket: trailBucket, Key: logKey, Body: 'gzipped log file' }));
    // Not ingested: Firehose's failed records, and anything outside the trail prefix.
    await s3.send(new PutObjectCommand({ Bucket: stack.stagingBucket, Key: 'live-errors/2026/11/20/failed', Body: '{}' }));
    await s3.send(new PutObjectCommand({ Bucket: trailBucket, Key: 'other/AWSLogs/x.json.gz', Body: 'x' }));
    expect(TRAIL_PREFIX).not.toBe('');

    const notices = await receiveAll(sqs, stack.queueUrl);
    expect(notices.map((n) => [n.source, n['detail-type'], n.detail.bucket.name, n.detail.object.key]).sort()).toEqual(
      [
        ['aws.s3', 'Object Created', stack.stagingBucket, stagedKey],
        ['aws.s3', 'Object Created', trailBucket, logKey],
      ].sort(),
    );
    // What the notification names is the staged batch itself: one event per line.
    const staged = notices.find((n) => n.detail.bucket.name === stack.stagingBucket);
    const body = await (await s3.send(new GetObjectCommand({ Bucket: staged.detail.bucket.name, Key: staged.detail.object.key }))).Body!.transformToString();
    expect(
      body
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l).detail.eventID),
    ).toEqual(['staged-1', 'staged-2']);
  });

  it('ingests both lanes from the notifications S3 sends: staged write calls and the trail log files, each event archived once, sealed and verified', async () => {
    const target = moto.target;
    const s3 = new S3Client(clientConfig(target));
    const sqs = new SQSClient(clientConfig(target));
    await receiveAll(sqs, stack.queueUrl);
    // Trail lane: the log files and their digest, as CloudTrail writes them.
    for (const key of [...manifest.files.map((f) => f.key), manifest.digest]) {
      await s3.send(new PutObjectCommand({ Bucket: trailBucket, Key: key, Body: fixtureBody(key) }));
    }
    // Live lane: the same files' write calls, staged as Firehose writes them.
    const trailRecords = manifest.files.flatMap((f) => readLogFile(fixtureBody(f.key)).records as JsonObject[]);
    const writes = trailRecords.filter((r) => r.readOnly === false && r.eventType === 'AwsApiCall');
    expect(writes.length).toBeGreaterThan(5);
    const envelopes = writes.map((r) => cloudTrailEnvelope(r, `live-${r.eventID}`));
    await s3.send(new PutObjectCommand({ Bucket: stack.stagingBucket, Key: 'live/2024/08/01/12/immutrail-live-1-e2e', Body: stagedBatch(envelopes) }));

    const env = { ...process.env, ...stack.env };
    const runtime = await lanesRuntime(env, target);
    const drained = await drainQueue(
      sqs,
      { url: stack.queueUrl, arn: await queueArn(sqs, stack.queueUrl), region: target.region },
      async (event: SQSEvent) => (await ingestSqsBatch(runtime.deps, event)).response,
    );
    // one notification per log file, the digest and the staged batch; none failed
    expect(drained).toMatchObject({ messages: manifest.files.length + 2, failures: 0 });
    const dlq = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: stack.deadLetterQueueUrl, AttributeNames: ['ApproximateNumberOfMessages'] })))
      .Attributes!;
    expect(dlq.ApproximateNumberOfMessages).toBe('0');

    const sealed = await runSeal(sealRuntime(env, target));
    expect(sealed.signed.checkpoint.size).toBeGreaterThanOrEqual(writes.length);
    const publicKey = await sealRuntime(env, target).deps.signer.publicKey();
    const source = new S3Source(s3, stack.bucket);
    const report = await verifyArchive(source, {
      keys: [trustedKeyFromPem(stack.origin, publicKey.export({ type: 'spki', format: 'pem' }))],
      heads: await liveHeads(new ChainStore(new DynamoDBClient(clientConfig(target)), stack.table)),
      checkDuplicates: true,
    });
    expect(report.problems).toEqual([]);
    expect(report.ok).toBe(true);
    const archivedIds: string[] = [];
    for await (const o of source.list('records/')) {
      for (const line of (await source.get(o.key)).toString('utf8').split('\n').filter(Boolean)) {
        const r = JSON.parse(line);
        if (r.chain.kind === 'event') archivedIds.push(r.data.event.eventId);
      }
    }
    expect(new Set(archivedIds).size).toBe(archivedIds.length);
    expect(archivedIds).toEqual(expect.arrayContaining([...new Set(writes.map((r) => r.eventID as string))]));
    // read-only capture is off on this stack: the trail lane adds no read-only call
    const readOnly = new Set(trailRecords.filter((r) => r.readOnly === true).map((r) => r.eventID as string));
    expect(archivedIds.filter((id) => readOnly.has(id))).toEqual([]);
  }, 120_000);

  it('accepts captured events on EventBridge (the Firehose targets are gone) and never queues a raw event', async () => {
    const sqs = new SQSClient(clientConfig(moto.target));
    const e = apiCallEnvelope({ eventId: 'raw-1' });
    const out = await new EventBridgeClient(clientConfig(moto.target)).send(
      new PutEventsCommand({ Entries: [{ Source: e.source, DetailType: e['detail-type'], Detail: JSON.stringify(e.detail), Time: new Date(e.time) }] }),
    );
    expect(out.FailedEntryCount ?? 0).toBe(0);
    expect(await receiveAll(sqs, stack.queueUrl)).toEqual([]);
  });

  it("backfill --stack applies the stack's capture filter and shard plan, read from its ingest function", { timeout: 120_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'immutrail-backfill-stack-'));
    const call = (id: string, readOnly: boolean) => ({
      eventVersion: '1.08',
      eventID: id,
      eventTime: '2026-12-01T10:00:00Z',
      eventSource: 'ec2.amazonaws.com',
      eventName: readOnly ? 'DescribeInstances' : 'CreateTags',
      readOnly,
      eventType: 'AwsApiCall',
      awsRegion: 'us-east-1',
      recipientAccountId: '123456789012',
      userIdentity: { type: 'AssumedRole', arn: 'arn:aws:sts::123456789012:assumed-role/deploy-pipeline/x', accountId: '123456789012' },
    });
    writeFileSync(join(dir, 'import.json.gz'), gzipSync(JSON.stringify({ Records: [call('bf-stack-write', false), call('bf-stack-read', true)] })));
    const where = ['--stack', stack.stackName, '--endpoint', moto.target.endpoint!, '--region', moto.target.region];
    const run = await cli('backfill', '--dir', dir, ...where, '--json', '--no-progress');
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    // The stack captures write calls only (its IMMUTRAIL_CAPTURE_READ_ONLY is unset): the read-only call is skipped.
    expect(JSON.parse(run.stdout)).toMatchObject({ events: 2, archived: 1, skipped: 1 });
    const refused = await cli('backfill', '--dir', dir, ...where, '--shard', 'elsewhere');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/--shard and --capture-read-only are the stack's own with --stack/);
  });

  it('deploys a second stack on the same emulator, each with its own resources and objects rule', async () => {
    const second = await deployLocalStack(moto.target, { onStep: (l) => steps.push(l) });
    logTimings('second deploy', second);
    expect(second.stackName).not.toBe(stack.stackName);
    for (const k of ['bucket', 'table', 'signingKeyId', 'topicArn', 'queueUrl', 'deadLetterQueueUrl', 'stagingBucket', 'alertInboxUrl'] as const) {
      expect(second[k]).not.toBe(stack[k]);
    }
    expect(second.env[ENV.trailBucket]).toBeUndefined();
    expect(second.rules.objectsRule.pattern).toEqual({
      source: ['aws.s3'],
      'detail-type': ['Object Created'],
      detail: { bucket: { name: [second.stagingBucket] }, object: { key: [{ prefix: 'live/' }] } },
    });
    // Notifications left off (the default): the caller sends them itself, so nothing arrives on its own.
    expect(steps.some((l) => l.includes('left off') && l.includes(second.stagingBucket))).toBe(true);
    const s3 = new S3Client(clientConfig(moto.target));
    const sqs = new SQSClient(clientConfig(moto.target));
    await s3.send(new PutObjectCommand({ Bucket: second.stagingBucket, Key: 'live/2026/11/20/10/b', Body: stagedBatch([apiCallEnvelope()]) }));
    expect(await receiveAll(sqs, second.queueUrl)).toEqual([]);
    // A staged object of the first stack reaches only the first stack's queue.
    await s3.send(new PutObjectCommand({ Bucket: stack.stagingBucket, Key: 'live/2026/11/20/10/a', Body: stagedBatch([apiCallEnvelope()]) }));
    expect((await receiveAll(sqs, stack.queueUrl)).map((n) => n.detail.object.key)).toEqual(['live/2026/11/20/10/a']);
    expect(await receiveAll(sqs, second.queueUrl)).toEqual([]);
  }, 120_000);

  it('with objectLock: false, archives into a bucket without Object Lock and asks the writers for no retention', async () => {
    const unlocked = await deployLocalStack(moto.target, { objectLock: false });
    const s3 = new S3Client(clientConfig(moto.target));
    await expect(s3.send(new GetObjectLockConfigurationCommand({ Bucket: unlocked.bucket }))).rejects.toThrow();
    expect(unlocked.env[ENV.retentionDays]).toBe('0');
    expect(unlocked.env[ENV.archiveBucket]).toBe(unlocked.bucket);
  }, 120_000);
});
