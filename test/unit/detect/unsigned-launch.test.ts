import { describe, expect, it } from 'vitest';
import type { ImmutableScope } from '../../../lib/core/detect/config';
import type { ResourceLookup } from '../../../lib/core/detect/types';
import { unsignedLaunchDetector } from '../../../lib/core/detect/unsigned-launch';
import type { JsonObject } from '../../../lib/core/json';
import type { AttestationData } from '../../../lib/core/record';
import type { TrustedKey } from '../../../lib/core/attestation';
import { context, ct, eventRecord, fixture, registry, signingKey } from './helpers';

const trusted = signingKey('ECDSA_SHA_256');
const untrusted = signingKey('ECDSA_SHA_256');

interface Opts {
  attestations?: AttestationData[];
  trustedKeys?: TrustedKey[];
  scope?: ImmutableScope;
  resources?: ResourceLookup;
  deployers?: string[];
}

async function detect(raw: JsonObject, o: Opts = {}) {
  const ctx = context({
    attestations: o.attestations ?? [],
    trustedKeys: o.trustedKeys ?? [trusted.trusted],
    config: {
      immutableScope: o.scope ?? { mode: 'all' },
      deployers: { principals: o.deployers ?? [], services: ['cloudformation.amazonaws.com', 'autoscaling.amazonaws.com'], serviceLinkedRoles: true },
    },
    ...(o.resources ? { resources: o.resources } : {}),
  });
  return unsignedLaunchDetector.detect(eventRecord(raw), ctx);
}

function tampered(att: AttestationData): AttestationData {
  const sig = Buffer.from(att.signature, 'base64');
  sig[sig.length - 2] ^= 0xff;
  return { ...att, signature: sig.toString('base64') };
}

describe('unsigned launch: EC2 RunInstances', () => {
  const run = fixture('cloudtrail/cloud-custodian-10-RunInstances.json');
  const AMI = 'ami-2d39803a';

  it('alerts on an AMI with no attestation', async () => {
    const [alert, ...rest] = await detect(run);
    expect(rest).toEqual([]);
    expect(alert).toMatchObject({ kind: 'unsigned-launch', rule: 'unsigned-launch.ami', severity: 'high', resource: AMI });
    expect(alert!.id).toBe(`unsigned-launch.ami:${run.eventID as string}:${AMI}`);
    expect(alert!.details).toMatchObject({ ami: AMI, instanceIds: ['i-0f7c711dc84bedda0'], attestations: [] });
    expect(alert!.summary).toContain('no attestation');
  });

  it('accepts an AMI attested by a trusted key', async () => {
    expect(await detect(run, { attestations: [trusted.attest(AMI, 'ami')] })).toEqual([]);
  });

  it('rejects an attestation with a bad signature or by an untrusted key', async () => {
    const bad = await detect(run, { attestations: [tampered(trusted.attest(AMI, 'ami'))] });
    expect(bad.map((a) => a.details.attestations)).toEqual([['bad-signature']]);
    const other = await detect(run, { attestations: [untrusted.attest(AMI, 'ami')] });
    expect(other.map((a) => a.details.attestations)).toEqual([['untrusted-key']]);
    expect(other[0]!.summary).toContain('none valid (untrusted-key)');
    // One good attestation among bad ones is enough.
    expect(await detect(run, { attestations: [untrusted.attest(AMI, 'ami'), trusted.attest(AMI, 'ami')] })).toEqual([]);
  });

  it('finds the AMI in the response when the request used a launch template', async () => {
    const fleet = fixture('cloudtrail/panther-analysis-97-RunInstances.json');
    expect((await detect(fleet)).map((a) => a.resource)).toEqual(['ami-013e7d3a6659f358d']);
    expect(await detect(fleet, { attestations: [trusted.attest('ami-013e7d3a6659f358d', 'ami')] })).toEqual([]);
  });

  it('reports a launch whose AMI the event does not name as unverified', async () => {
    const raw = ct({
      eventSource: 'ec2.amazonaws.com',
      eventName: 'RunInstances',
      requestParameters: { instancesSet: { items: [{ minCount: 1, maxCount: 1 }] }, launchTemplate: { launchTemplateId: 'lt-1', version: '4' } },
      responseElements: null,
    });
    expect((await detect(raw)).map((a) => [a.rule, a.severity])).toEqual([['unsigned-launch.ami-unknown', 'medium']]);
  });

  it('holds deployers and AWS services to the same rule', async () => {
    const asg = fixture('cloudtrail/cloud-custodian-12-RunInstances.json');
    const alerts = await detect(asg, { deployers: ['arn:aws:iam::619193117841:root'] });
    expect(alerts.map((a) => [a.resource, a.details.instanceIds])).toEqual([['ami-06116566', ['i-784cdacd', 'i-7b4cdace']]]);
  });

  it('ignores failed and dry-run launches', async () => {
    expect(await detect(fixture('cloudtrail/panther-analysis-98-RunInstances.json'))).toEqual([]);
    expect(await detect(fixture('cloudtrail/panther-analysis-110-RunInstances.json'))).toEqual([]);
  });

  it('applies the immutable scope, using the tags the launch request sets', async () => {
    const tagged = (value: string) =>
      ct({
        eventSource: 'ec2.amazonaws.com',
        eventName: 'RunInstances',
        requestParameters: {
          instancesSet: { items: [{ imageId: 'ami-0abc1234def567890' }] },
          tagSpecificationSet: { items: [{ resourceType: 'instance', tags: [{ key: 'immutable', value }] }] },
        },
        responseElements: { instancesSet: { items: [{ instanceId: 'i-1', imageId: 'ami-0abc1234def567890' }] } },
      });
    const scope: ImmutableScope = { mode: 'tag', key: 'immutable', value: 'true', unknownTags: 'out-of-scope' };
    expect(await detect(tagged('true'), { scope })).toHaveLength(1);
    expect(await detect(tagged('false'), { scope })).toEqual([]);
    expect(await detect(run, { scope: { mode: 'types', types: ['AWS::ECS::Task'] } })).toEqual([]);
  });
});

describe('unsigned launch: EC2 StartInstances', () => {
  const start = fixture('cloudtrail/stratus-red-team-149-StartInstances.json');
  const ID = 'i-DDd6c7B0e18F0E35f';
  const AMI = 'ami-0abc1234def567890';
  const lookup = (ami: string | null): ResourceLookup => ({ imageOfInstance: async (id) => (id === ID ? ami : null) });

  it('without a known AMI, reports the start at low severity as unverified', async () => {
    expect((await detect(start)).map((a) => [a.rule, a.severity, a.resource])).toEqual([['unsigned-launch.start-unverified', 'low', ID]]);
    expect((await detect(start, { resources: lookup(null) })).map((a) => a.rule)).toEqual(['unsigned-launch.start-unverified']);
  });

  it('with the AMI from the index, checks its attestation', async () => {
    expect((await detect(start, { resources: lookup(AMI) })).map((a) => [a.rule, a.severity, a.resource])).toEqual([['unsigned-launch.ami', 'high', AMI]]);
    expect(await detect(start, { resources: lookup(AMI), attestations: [trusted.attest(AMI, 'ami')] })).toEqual([]);
  });
});

describe('unsigned launch: ECS tasks', () => {
  const task = fixture('eventbridge/awsdocs-amazon-ecs-developer-guide-2-ecs-task-state-change.json');
  const RESOLVED = 'sha256:74b2c688c700ec95a93e478cdb959737c148df3fbf5ea706abe0318726e885e6';
  const withContainers = (containers: JsonObject[], lastStatus = 'RUNNING'): JsonObject => ({
    ...task,
    detail: { ...(task.detail as JsonObject), containers, lastStatus },
  });
  const pinned = (digest: string, name = 'app'): JsonObject => ({
    name,
    image: `111122223333.dkr.ecr.us-west-2.amazonaws.com/app@${digest}`,
    imageDigest: digest,
    lastStatus: 'RUNNING',
  });

  it('always reports an image referenced by tag, high when its digest is not attested', async () => {
    const [alert, ...rest] = await detect(task);
    expect(rest).toEqual([]);
    expect(alert).toMatchObject({
      rule: 'unsigned-launch.image-tag',
      severity: 'high',
      resource: '111122223333.dkr.ecr.us-west-2.amazonaws.com/hello-repository:latest',
      principal: null,
    });
    expect(alert!.details).toMatchObject({ container: 'FargateApp', digest: RESOLVED });
    expect(alert!.id).toBe(`unsigned-launch.image-tag:${task.id as string}:FargateApp`);
  });

  it('reports a tag reference at medium when the resolved digest is attested', async () => {
    const alerts = await detect(task, { attestations: [trusted.attest(RESOLVED, 'image-digest')] });
    expect(alerts.map((a) => [a.rule, a.severity])).toEqual([['unsigned-launch.image-tag', 'medium']]);
  });

  it('accepts an image pinned by an attested digest, and rejects unattested, tampered or untrusted ones', async () => {
    const d = `sha256:${'1f'.repeat(32)}`;
    const raw = withContainers([pinned(d)]);
    expect(await detect(raw, { attestations: [trusted.attest(d, 'image-digest')] })).toEqual([]);
    for (const atts of [[], [tampered(trusted.attest(d, 'image-digest'))], [untrusted.attest(d, 'image-digest')]]) {
      const alerts = await detect(raw, { attestations: atts });
      expect(alerts.map((a) => [a.rule, a.severity, a.resource])).toEqual([
        ['unsigned-launch.image', 'high', `111122223333.dkr.ecr.us-west-2.amazonaws.com/app@${d}`],
      ]);
    }
  });

  it('does not accept an AMI attestation for an image digest subject', async () => {
    const d = `sha256:${'2e'.repeat(32)}`;
    const wrongType = { ...trusted.attest(d, 'image-digest'), subjectType: 'ami' as const };
    expect(await detect(withContainers([pinned(d)]), { attestations: [wrongType] })).toHaveLength(1);
  });

  it('checks each container and gives each its own alert id', async () => {
    const good = `sha256:${'3d'.repeat(32)}`;
    const bad = `sha256:${'4c'.repeat(32)}`;
    const raw = withContainers([pinned(good, 'web'), pinned(bad, 'sidecar'), { name: 'log', image: 'fluent/fluent-bit:2.1' }]);
    const alerts = await detect(raw, { attestations: [trusted.attest(good, 'image-digest')] });
    expect(alerts.map((a) => [a.rule, a.details.container])).toEqual([
      ['unsigned-launch.image', 'sidecar'],
      ['unsigned-launch.image-tag', 'log'],
    ]);
    expect(new Set(alerts.map((a) => a.id)).size).toBe(2);
  });

  it('only looks at tasks that reached RUNNING', async () => {
    expect(await detect(withContainers([pinned(`sha256:${'5b'.repeat(32)}`)], 'PENDING'))).toEqual([]);
  });

  it('checks the containers a RunTask response reports', async () => {
    const d = `sha256:${'6a'.repeat(32)}`;
    const raw = ct({
      eventSource: 'ecs.amazonaws.com',
      eventName: 'RunTask',
      requestParameters: { cluster: 'prod', taskDefinition: 'web:7', count: 1 },
      responseElements: {
        tasks: [
          {
            taskArn: 'arn:aws:ecs:us-east-1:1:task/prod/abc',
            containers: [
              { name: 'web', image: `app@${d}` },
              { name: 'debug', image: 'busybox' },
            ],
          },
        ],
        failures: [],
      },
    });
    const alerts = await detect(raw, { attestations: [trusted.attest(d, 'image-digest')] });
    expect(alerts.map((a) => [a.rule, a.resource])).toEqual([['unsigned-launch.image-tag', 'busybox']]);
    expect(alerts[0]!.principal).toBe('arn:aws:sts::111122223333:assumed-role/Admin/alice');
  });
});

describe('unsigned launch: Lambda code', () => {
  const update = fixture('cloudtrail/stratus-red-team-305-UpdateFunctionCode20150331v2.json');

  it('alerts on zip code deployed without signing', async () => {
    const [alert] = await detect(update);
    expect(alert).toMatchObject({ rule: 'unsigned-launch.lambda-code', severity: 'high', resource: 'stratus-red-team-olc-func-vayhjqkdav' });
  });

  it('accepts code the response shows as signed', async () => {
    const signed = {
      ...update,
      responseElements: { ...(update.responseElements as JsonObject), signingProfileVersionArn: 'arn:aws:signer:us-east-1:1:/signing-profiles/ci/abc' },
    };
    expect(await detect(signed)).toEqual([]);
  });

  it('CreateFunction needs a code signing config', async () => {
    const create = (extra: JsonObject) =>
      ct({
        eventSource: 'lambda.amazonaws.com',
        eventName: 'CreateFunction20150331',
        requestParameters: { functionName: 'api', runtime: 'nodejs20.x', packageType: 'Zip', ...extra },
        responseElements: { functionName: 'api', packageType: 'Zip' },
      });
    expect((await detect(create({}))).map((a) => a.rule)).toEqual(['unsigned-launch.lambda-code']);
    expect(await detect(create({ codeSigningConfigArn: 'arn:aws:lambda:us-east-1:1:code-signing-config:csc-1' }))).toEqual([]);
  });

  it('is unverified (medium) when the event carries no response', async () => {
    const raw = ct({
      eventSource: 'lambda.amazonaws.com',
      eventName: 'UpdateFunctionCode20150331v2',
      requestParameters: { functionName: 'api' },
      responseElements: null,
    });
    expect((await detect(raw)).map((a) => a.severity)).toEqual(['medium']);
  });

  it('checks image functions like container images', async () => {
    const d = `sha256:${'7f'.repeat(32)}`;
    const image = (uri: string) =>
      ct({
        eventSource: 'lambda.amazonaws.com',
        eventName: 'CreateFunction20150331',
        requestParameters: { functionName: 'img', packageType: 'Image', code: { imageUri: uri } },
        responseElements: { functionName: 'img', packageType: 'Image' },
      });
    expect(await detect(image(`1.dkr.ecr.us-east-1.amazonaws.com/img@${d}`), { attestations: [trusted.attest(d, 'image-digest')] })).toEqual([]);
    expect((await detect(image('1.dkr.ecr.us-east-1.amazonaws.com/img:v1'))).map((a) => a.rule)).toEqual(['unsigned-launch.image-tag']);
  });

  it('ignores failed calls', async () => {
    expect(await detect({ ...update, errorCode: 'AccessDeniedException' })).toEqual([]);
  });

  it('asks the registry by canonical subject', async () => {
    const reg = registry([]);
    const ctx = context({ trustedKeys: [trusted.trusted] });
    ctx.attestations = reg;
    await unsignedLaunchDetector.detect(
      eventRecord(
        ct({
          eventSource: 'ec2.amazonaws.com',
          eventName: 'RunInstances',
          responseElements: { instancesSet: { items: [{ instanceId: 'i-1', imageId: 'AMI-0ABC1234DEF567890' }] } },
        }),
      ),
      ctx,
    );
    expect(reg.calls).toEqual(['ami-0abc1234def567890']);
  });
});
