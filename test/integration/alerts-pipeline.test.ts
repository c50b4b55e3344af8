import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { S3Client } from '@aws-sdk/client-s3';
import { GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { signAttestation, recordAttestation } from '../../lib/attest/attest';
import { AttestationStore } from '../../lib/aws/attestation-store';
import { clientConfig } from '../../lib/aws/client-config';
import { ENV } from '../../lib/contract/runtime-config';
import { S3Source } from '../../lib/aws/s3-source';
import { planShards } from '../../lib/contract/shards';
import type { JsonObject } from '../../lib/core/json';
import { lanesRuntime } from '../../lib/ingest/lanes-runtime';
import { ingestSqsBatch } from '../../lib/ingest/sqs-batch';
import { drainQueue } from '../../lib/local/event-source';
import { EmulatedLiveLane, ObjectNotices } from '../../lib/local/live-lane';
import { provisionLocalStack } from '../../lib/local/provision';
import { apiCallEnvelope } from '../support/events';
import { useMoto } from '../support/moto';

const DEPLOYER = 'arn:aws:iam::111122223333:role/deploy-pipeline';
const TRAIL = 'org-trail';

function ecsTaskRunning(imageDigest: string, taskId: string) {
  const line = readFileSync(join(__dirname, '../fixtures/events/awsdocs-amazon-ecs-developer-guide.eventbridge.ndjson'), 'utf8').split('\n')[1];
  const e = JSON.parse(line);
  e.id = `ecs-${taskId}`;
  e.time = '2026-11-20T10:20:00Z';
  e.detail.taskArn = `arn:aws:ecs:us-west-2:111122223333:task/FargateCluster/${taskId}`;
  e.detail.containers[0].imageDigest = imageDigest;
  // Pinned by digest, as immutable deploys do (a tag alone is its own finding).
  e.detail.containers[0].image = `111122223333.dkr.ecr.us-west-2.amazonaws.com/hello-repository@${imageDigest}`;
  e.detail.containers[0].taskArn = e.detail.taskArn;
  return e;
}

describe('detection through the real ingest path: drift, unsigned launch, attested launch, StopLogging', () => {
  const moto = useMoto();

  it('publishes exactly the expected alerts and archives each one', async () => {
    const kms = new KMSClient(clientConfig(moto.target));
    const attestKey = (await kms.send(new CreateKeyCommand({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' }))).KeyMetadata!.Arn!;
    const stack = await provisionLocalStack(moto.target, {
      objectLock: false,
      extraEnv: {
        [ENV.deployerPrincipals]: JSON.stringify([DEPLOYER]),
        [ENV.attestationKeyIds]: JSON.stringify([attestKey]),
        [ENV.protectedResources]: JSON.stringify({ trails: [TRAIL] }),
      },
    });
    const env = { ...process.env, ...stack.env };
    const runtime = await lanesRuntime(env, moto.target);

    const signedDigest = 'sha256:' + 'a'.repeat(64);
    const unsignedDigest = 'sha256:' + 'b'.repeat(64);
    const att = await signAttestation(kms, { subject: signedDigest, subjectType: 'image-digest', keyId: attestKey, signer: 'ci' });
    await recordAttestation(new AttestationStore(new DynamoDBClient(clientConfig(moto.target)), stack.table), runtime.deps, att);

    const events = [
      apiCallEnvelope({ eventId: 'drift-1' }),
      apiCallEnvelope({ eventId: 'deployer-1', roleArn: DEPLOYER }),
      apiCallEnvelope({ eventId: 'stoplogging-1', eventSource: 'cloudtrail.amazonaws.com', eventName: 'StopLogging', requestParameters: { name: TRAIL } }),
      ecsTaskRunning(unsignedDigest, 'unsigned-task'),
      ecsTaskRunning(signedDigest, 'signed-task'),
    ];
    // The live lane as the stack runs it: the capture rules' matches staged by Firehose, announced by S3.
    const sqs = new SQSClient(clientConfig(moto.target));
    const notices = new ObjectNotices(sqs, stack.queueUrl, moto.target.region);
    const live = new EmulatedLiveLane(new S3Client(clientConfig(moto.target)), notices, {
      stagingBucket: stack.stagingBucket,
      prefix: stack.stagingPrefix,
      plan: planShards(),
    });
    for (const e of events) expect(await live.put(e as unknown as JsonObject)).toBe(true);
    await live.flush();
    await notices.flush();
    const arn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: stack.queueUrl, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
    const drained = await drainQueue(
      sqs,
      { url: stack.queueUrl, arn, region: moto.target.region },
      async (event) => (await ingestSqsBatch(runtime.deps, event)).response,
      { retryFailedAtOnce: true },
    );
    expect(drained).toMatchObject({ messages: 1, failures: 0 });

    const received: { kind: string; rule: string; severity: string; eventId: string | null; resource: string | null; subject: string; record: unknown }[] = [];
    for (;;) {
      const out = await sqs.send(new ReceiveMessageCommand({ QueueUrl: stack.alertInboxUrl, MaxNumberOfMessages: 10 }));
      if (!out.Messages?.length) break;
      for (const m of out.Messages) {
        const envelope = JSON.parse(m.Body!);
        const body = JSON.parse(envelope.Message);
        received.push({
          kind: body.kind,
          rule: body.rule,
          severity: body.severity,
          eventId: body.eventId,
          resource: body.resource,
          subject: envelope.Subject,
          record: body.record,
        });
        expect(envelope.MessageAttributes.severity.Value).toBe(body.severity);
        expect(envelope.MessageAttributes.kind.Value).toBe(body.kind);
      }
    }
    const byEvent = (id: string) =>
      received
        .filter((r) => r.eventId === id)
        .map((r) => r.kind)
        .sort();
    expect(byEvent('drift-1')).toContain('drift');
    expect(byEvent('deployer-1')).not.toContain('drift');
    expect(byEvent('stoplogging-1')).toContain('auditor-tampering');
    expect(received.find((r) => r.kind === 'auditor-tampering')!.severity).toBe('critical');
    // EventBridge assigns the envelope ids of the ECS events, so they are told apart by image.
    const launches = received.filter((r) => r.kind === 'unsigned-launch');
    expect(launches.map((r) => r.rule)).toEqual(['unsigned-launch.image']);
    expect(launches[0].resource).toContain(unsignedDigest);
    expect(received.some((r) => r.resource?.includes(signedDigest))).toBe(false);
    // Sigma rules see every event (deployers included); the built-in detectors are the deployer-aware ones.
    expect(new Set(received.map((r) => r.kind))).toEqual(new Set(['drift', 'unsigned-launch', 'auditor-tampering', 'sigma']));
    // Every alert that arrived is a record in the archive.
    const source = new S3Source(new S3Client(clientConfig(moto.target)), stack.bucket);
    const archivedAlerts: string[] = [];
    for await (const o of source.list('records/')) {
      for (const line of (await source.get(o.key)).toString('utf8').split('\n').filter(Boolean)) {
        const r = JSON.parse(line);
        if (r.chain.kind === 'alert') archivedAlerts.push(`${r.data.alert.kind}:${r.data.alert.eventId}`);
      }
    }
    expect(archivedAlerts.sort()).toEqual(received.map((r) => `${r.kind}:${r.eventId}`).sort());
  });
});
