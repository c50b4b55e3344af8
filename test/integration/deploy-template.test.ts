/**
 * The local stack deployed from the stack's own synthesized template
 * (CloudFormation on moto_server), with the handlers run in-process on the
 * environment the template gives the ingest function.
 */
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { DescribeKeyCommand, GetPublicKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { GetObjectLockConfigurationCommand, HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { ChainStore } from '../../lib/aws/chain-store';
import { clientConfig } from '../../lib/aws/client-config';
import { liveHeads } from '../../lib/aws/live-heads';
import { ENV } from '../../lib/aws/runtime-config';
import { S3Source } from '../../lib/aws/s3-source';
import { OUTBOX_INDEX } from '../../lib/aws/table-keys';
import { trustedKeyFromPem } from '../../lib/core/checkpoint';
import { ingestRuntime } from '../../lib/ingest/runtime';
import { ingestSqsBatch } from '../../lib/ingest/sqs-batch';
import { type DeployedLocalStack, deployLocalStack } from '../../lib/local/deploy-template';
import { LocalDeployError } from '../../lib/local/deploy-errors';
import { withResourceReplaced, withoutResourceTypes } from '../../lib/local/emulator-template';
import { drainQueue } from '../../lib/local/event-source';
import { adaptTemplateForMoto } from '../../lib/local/moto-adaptations';
import { type DeployedScope, resolveTemplateValue } from '../../lib/local/resolve-deployed';
import { runSeal, sealRuntime } from '../../lib/seal/runtime';
import { verifyArchive } from '../../lib/verify/verify-archive';
import { apiCallEnvelope } from '../support/events';
import { useMoto } from '../support/moto';

const DEPLOYER = 'arn:aws:iam::*:role/deploy-*';
const OUTPUTS = ['ArchiveBucketName', 'TableName', 'SigningKeyArn', 'AlertTopicArn', 'IngestQueueUrl', 'DeadLetterQueueUrl', 'Origin'];

async function queueArn(sqs: SQSClient, url: string): Promise<string> {
  return (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
}

async function putApiCall(target: DeployedLocalStack['target'], eventId: string): Promise<void> {
  const e = apiCallEnvelope({ eventId });
  const out = await new EventBridgeClient(clientConfig(target)).send(
    new PutEventsCommand({
      Entries: [{ Source: e.source, DetailType: e['detail-type'], Detail: JSON.stringify(e.detail), Time: new Date(e.time) }],
    }),
  );
  expect(out.FailedEntryCount ?? 0).toBe(0);
}

function logTimings(label: string, s: DeployedLocalStack): void {
  const t = s.timings;
  console.info(`${label}: synth ${t.synthMs} ms, upload ${t.uploadMs} ms, create-stack ${t.createStackMs} ms, total ${t.totalMs} ms`);
}

describe('deployLocalStack: immutrail from its synthesized template on moto_server', () => {
  const moto = useMoto();
  let stack: DeployedLocalStack;
  const steps: string[] = [];

  beforeAll(async () => {
    stack = await deployLocalStack(moto.target, { deployerPrincipals: [DEPLOYER], onStep: (l) => steps.push(l) });
    logTimings('first deploy', stack);
  }, 120_000);

  it('creates the stack and describes the local stack by its outputs', async () => {
    const cfn = new CloudFormationClient(clientConfig(moto.target));
    const described = (await cfn.send(new DescribeStacksCommand({ StackName: stack.stackName }))).Stacks![0];
    expect(described.StackStatus).toBe('CREATE_COMPLETE');
    const outputs = Object.fromEntries(described.Outputs!.map((o) => [o.OutputKey!, o.OutputValue!]));
    expect(Object.keys(outputs).sort()).toEqual([...OUTPUTS].sort());
    expect(stack).toMatchObject({
      bucket: outputs.ArchiveBucketName,
      table: outputs.TableName,
      signingKeyId: outputs.SigningKeyArn,
      topicArn: outputs.AlertTopicArn,
      queueUrl: outputs.IngestQueueUrl,
      deadLetterQueueUrl: outputs.DeadLetterQueueUrl,
      origin: outputs.Origin,
    });
    // The archive is the bucket created through the SDK, which the stack imports.
    expect(stack.bucket).toBe(`${stack.name}-archive`);
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
    // Set through the construct's props, not as an environment override.
    expect(JSON.parse(env[ENV.deployerPrincipals])).toEqual([DEPLOYER]);
    const sqs = new SQSClient(clientConfig(moto.target));
    const protectedResources = JSON.parse(env[ENV.protectedResources]);
    expect(protectedResources.buckets).toEqual([stack.bucket]);
    expect(protectedResources.tables).toEqual([stack.table]);
    expect(protectedResources.queues).toEqual(
      expect.arrayContaining([await queueArn(sqs, stack.queueUrl), await queueArn(sqs, stack.deadLetterQueueUrl)]),
    );
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
    expect(changed).toEqual(expect.arrayContaining(['AWS::Lambda::EventSourceMapping', 'AWS::Events::Rule']));
    for (const r of [...stack.notCreated, ...stack.adaptations.flatMap((a) => a.resources)]) {
      expect(steps.some((l) => l.includes(r.type)), r.type).toBe(true);
    }
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

  it('has the FIFO ingest queue the construct defines (content-based dedup, per-group throughput, DLQ redrive)', async () => {
    const sqs = new SQSClient(clientConfig(moto.target));
    const a = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: stack.queueUrl, AttributeNames: ['All'] }))).Attributes!;
    expect(a).toMatchObject({ FifoQueue: 'true', ContentBasedDeduplication: 'true', DeduplicationScope: 'messageGroup', FifoThroughputLimit: 'perMessageGroupId' });
    expect(JSON.parse(a.RedrivePolicy!)).toEqual({ deadLetterTargetArn: await queueArn(sqs, stack.deadLetterQueueUrl), maxReceiveCount: 5 });
  });

  it('delivers an API call put on EventBridge to the api message group, and the ingest handler commits it', async () => {
    const eventId = 'deploy-template-1';
    await putApiCall(moto.target, eventId);

    const target = moto.target;
    const sqs = new SQSClient(clientConfig(target));
    const env = { ...process.env, ...stack.env };
    const runtime = await ingestRuntime(env, target);
    const groups: string[] = [];
    const bodies: string[] = [];
    const drained = await drainQueue(sqs, { url: stack.queueUrl, arn: await queueArn(sqs, stack.queueUrl), region: target.region }, async (event: SQSEvent) => {
      groups.push(...event.Records.map((r) => r.attributes.MessageGroupId ?? '(none)'));
      bodies.push(...event.Records.map((r) => r.body));
      return (await ingestSqsBatch(runtime.deps, event)).response;
    });
    expect(drained).toMatchObject({ messages: 1, failures: 0 });
    expect(groups).toEqual(['api']);
    expect(JSON.parse(bodies[0]).detail.eventID).toBe(eventId);

    // Seal with the deployed signing key, then verify everything with only its public key.
    const sealed = await runSeal(sealRuntime(env, target));
    expect(sealed.signed.checkpoint.size).toBeGreaterThanOrEqual(1);
    const publicKey = await sealRuntime(env, target).deps.signer.publicKey();
    const s3 = new S3Client(clientConfig(target));
    const report = await verifyArchive(new S3Source(s3, stack.bucket), {
      keys: [trustedKeyFromPem(stack.origin, publicKey.export({ type: 'spki', format: 'pem' }))],
      heads: await liveHeads(new ChainStore(new DynamoDBClient(clientConfig(target)), stack.table)),
      checkDuplicates: true,
    });
    expect(report.problems).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.checkpoints.valid).toBe(1);
    const source = new S3Source(s3, stack.bucket);
    const archivedIds: string[] = [];
    for await (const o of source.list('records/')) {
      for (const line of (await source.get(o.key)).toString('utf8').split('\n').filter(Boolean)) {
        const r = JSON.parse(line);
        if (r.chain.kind === 'event') archivedIds.push(r.data.event.eventId);
      }
    }
    expect(archivedIds).toContain(eventId);
  });

  it('deploys a second stack on the same emulator, each with its own resources', async () => {
    const second = await deployLocalStack(moto.target, {});
    logTimings('second deploy', second);
    expect(second.stackName).not.toBe(stack.stackName);
    for (const k of ['bucket', 'table', 'signingKeyId', 'topicArn', 'queueUrl', 'deadLetterQueueUrl', 'alertInboxUrl'] as const) {
      expect(second[k]).not.toBe(stack[k]);
    }
    // An event put now reaches both stacks' queues, each in its api group.
    const sqs = new SQSClient(clientConfig(moto.target));
    await putApiCall(moto.target, 'deploy-template-2');
    for (const s of [stack, second]) {
      const a = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: s.queueUrl, AttributeNames: ['ApproximateNumberOfMessages'] }))).Attributes!;
      expect(a.ApproximateNumberOfMessages, s.stackName).toBe('1');
    }
  }, 120_000);

  it('with objectLock: false, archives into a bucket without Object Lock and asks the writers for no retention', async () => {
    const unlocked = await deployLocalStack(moto.target, { objectLock: false });
    const s3 = new S3Client(clientConfig(moto.target));
    await expect(s3.send(new GetObjectLockConfigurationCommand({ Bucket: unlocked.bucket }))).rejects.toThrow();
    expect(unlocked.env[ENV.retentionDays]).toBe('0');
    expect(unlocked.env[ENV.archiveBucket]).toBe(unlocked.bucket);
  }, 120_000);
});

describe('template edits for the emulator', () => {
  const template = {
    Resources: {
      Key: { Type: 'AWS::KMS::Key', Properties: { KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' } },
      Fn: {
        Type: 'AWS::Lambda::Function',
        DependsOn: ['Key'],
        Properties: {
          Environment: {
            Variables: {
              ARN: { 'Fn::GetAtt': ['Key', 'Arn'] },
              ID: { Ref: 'Key' },
              SUB: { 'Fn::Sub': 'key ${Key} at ${Key.Arn} in ${AWS::Region}' },
            },
          },
        },
      },
      Schedule: { Type: 'AWS::Events::Rule', Properties: { ScheduleExpression: 'rate(5 minutes)', Targets: [{ Id: 't', Arn: { 'Fn::GetAtt': ['Fn', 'Arn'] } }] } },
      Mapping: { Type: 'AWS::Lambda::EventSourceMapping', Properties: { FunctionName: { Ref: 'Fn' } } },
      Policy: { Type: 'AWS::S3::BucketPolicy', Properties: {} },
    },
    Outputs: { KeyArn: { Value: { 'Fn::GetAtt': ['Key', 'Arn'] } } },
  };

  it('puts an existing resource in place of a template resource, in Ref, GetAtt, Sub and outputs', () => {
    const arn = 'arn:aws:kms:us-east-1:123456789012:key/k-1';
    const out = withResourceReplaced(template, 'Key', { ref: 'k-1', attributes: { Arn: arn } });
    expect(out.Resources.Key).toBeUndefined();
    expect(out.Resources.Fn.DependsOn).toBeUndefined();
    expect((out.Resources.Fn.Properties as any).Environment.Variables).toEqual({
      ARN: arn,
      ID: 'k-1',
      SUB: { 'Fn::Sub': `key k-1 at ${arn} in \${AWS::Region}` },
    });
    expect(out.Outputs!.KeyArn.Value).toBe(arn);
    expect(() => withResourceReplaced(template, 'Key', { ref: 'k-1', attributes: {} })).toThrow(LocalDeployError);
  });

  it('leaves out bucket policies, disables event source mappings and removes Lambda targets, and says so', () => {
    const { template: out, adaptations } = adaptTemplateForMoto(template);
    expect(out.Resources.Policy).toBeUndefined();
    expect(out.Resources.Mapping.Properties!.Enabled).toBe(false);
    expect(out.Resources.Schedule.Properties!.Targets).toBeUndefined();
    expect(adaptations.map((a) => a.resources.map((r) => r.logicalId))).toEqual([['Policy'], ['Mapping'], ['Schedule']]);
    // The input is not modified.
    expect(template.Resources.Mapping.Properties).toEqual({ FunctionName: { Ref: 'Fn' } });
  });

  it('resolves Ref, Fn::GetAtt, Fn::Join and Fn::Sub against deployed resources, and refuses the rest', async () => {
    const scope: DeployedScope = {
      stackName: 's',
      stackId: 'arn:aws:cloudformation:eu-west-1:123456789012:stack/s/1',
      region: 'eu-west-1',
      accountId: '123456789012',
      partition: 'aws',
      urlSuffix: 'amazonaws.com',
      resources: new Map([['Queue', { logicalId: 'Queue', type: 'AWS::SQS::Queue', physicalId: 'https://q/1' }]]),
      attribute: async (r, name) => `${r.physicalId}#${name}`,
    };
    const value = {
      'Fn::Join': ['|', [{ Ref: 'Queue' }, { 'Fn::GetAtt': ['Queue', 'Arn'] }, { 'Fn::Sub': '${AWS::AccountId}/${Queue.Arn}/${!Literal}' }]],
    };
    expect(await resolveTemplateValue(value, scope)).toBe('https://q/1|https://q/1#Arn|123456789012/https://q/1#Arn/${Literal}');
    await expect(resolveTemplateValue({ Ref: 'Gone' }, scope)).rejects.toMatchObject({ code: 'NOT_DEPLOYED' });
    await expect(resolveTemplateValue({ 'Fn::Select': [0, ['a']] }, scope)).rejects.toMatchObject({ code: 'UNRESOLVABLE_VALUE' });
  });

  it('refuses to leave out a resource something else still references', () => {
    expect(() => withoutResourceTypes(template, ['AWS::KMS::Key'])).toThrow(/reference/);
  });
});
