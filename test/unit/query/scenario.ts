import { ArchiveBuilder, actor, alertDraft, event, eventDraft, resource, type WrittenBatch } from './archive-fixture';
import type { RecordDraft } from '../../../lib/core/record';

/**
 * An archive whose answers are known: each named query's expected rows are
 * derived from the events below, not from running the engine.
 */
export const ACCOUNT = '111111111111';
export const SG = 'sg-0aaaaaaaaaaaaaaa1';
export const INSTANCE = 'i-0bbbbbbbbbbbbbbb2';
export const AMI = 'ami-0ccccccccccccccc3';
export const DIGEST = `sha256:${'d'.repeat(64)}`;
export const IMAGE = `111111111111.dkr.ecr.us-east-1.amazonaws.com/web@${DIGEST}`;
export const TASK = 'arn:aws:ecs:us-east-1:111111111111:task/prod/0123456789abcdef';

export const ALICE = actor({
  type: 'AssumedRole',
  arn: 'arn:aws:sts::111111111111:assumed-role/Admin/alice',
  principalId: 'AROAADMIN:alice',
  sessionName: 'alice',
  sessionIssuerArn: 'arn:aws:iam::111111111111:role/Admin',
  accessKeyId: 'ASIAALICE',
});
export const BOB = actor({ type: 'IAMUser', arn: 'arn:aws:iam::111111111111:user/bob', userName: 'bob', console: true, mfa: false });
export const CAROL = actor({ type: 'IAMUser', arn: 'arn:aws:iam::111111111111:user/carol', userName: 'carol' });
export const DAVE = actor({ type: 'IAMUser', arn: 'arn:aws:iam::111111111111:user/dave', userName: 'dave', console: true, mfa: true });
export const DEPLOYER = actor({
  type: 'AssumedRole',
  arn: 'arn:aws:sts::111111111111:assumed-role/Deployer/pipeline',
  sessionIssuerArn: 'arn:aws:iam::111111111111:role/Deployer',
});
export const ROOT = actor({ type: 'Root', arn: 'arn:aws:iam::111111111111:root', console: true, mfa: false });
export const MALLORY = actor({ type: 'IAMUser', arn: 'arn:aws:iam::111111111111:user/mallory', userName: 'mallory' });
export const EVE = actor({ type: 'IAMUser', arn: 'arn:aws:iam::111111111111:user/eve', userName: 'eve' });

const sg = resource('AWS::EC2::SecurityGroup', SG);
const instance = resource('AWS::EC2::Instance', INSTANCE, `arn:aws:ec2:us-east-1:111111111111:instance/${INSTANCE}`);

export const E = {
  aliceOpensSg: event({ eventTime: '2026-03-01T10:00:00Z', action: 'AuthorizeSecurityGroupIngress', actor: ALICE, resources: [sg] }),
  bobModifiesSg: event({ eventTime: '2026-03-01T10:05:00Z', action: 'ModifySecurityGroupRules', actor: BOB, resources: [sg] }),
  bobDescribesSg: event({ eventTime: '2026-03-01T10:06:00Z', action: 'DescribeSecurityGroups', actor: BOB, readOnly: true, resources: [sg] }),
  carolFailsOnSg: event({
    eventTime: '2026-03-01T10:07:00.250Z',
    action: 'RevokeSecurityGroupIngress',
    actor: CAROL,
    resources: [sg],
    errorCode: 'Client.UnauthorizedOperation',
    errorMessage: 'You are not authorized to perform this operation.',
  }),
  launch: event({ eventTime: '2026-03-01T11:00:00Z', action: 'RunInstances', actor: DEPLOYER, resources: [instance, resource('AWS::EC2::Image', AMI)] }),
  rootLogin: event({ eventTime: '2026-03-01T11:30:00Z', action: 'ConsoleLogin', service: 'signin', actor: ROOT }),
  aliceCreatesKey: event({
    eventTime: '2026-03-01T12:00:00Z',
    action: 'CreateAccessKey',
    service: 'iam',
    actor: ALICE,
    resources: [resource('AWS::IAM::User', 'bob')],
  }),
  aliceReadsRole: event({ eventTime: '2026-03-01T12:01:00Z', action: 'GetRole', service: 'iam', actor: ALICE, readOnly: true }),
  daveTerminates: event({ eventTime: '2026-03-02T09:00:00Z', action: 'TerminateInstances', actor: DAVE, resources: [instance] }),
  alicePutsPolicy: event({
    eventTime: '2026-03-03T08:00:00Z',
    action: 'PutRolePolicy',
    service: 'iam',
    actor: ALICE,
    resources: [resource('AWS::IAM::Role', 'arn:aws:iam::111111111111:role/App')],
  }),
  // written only in orphan batches
  malloryOpensSg: event({ eventTime: '2026-03-01T11:10:00Z', action: 'AuthorizeSecurityGroupIngress', actor: MALLORY, resources: [sg] }),
  eveOpensSg: event({ eventTime: '2026-03-03T08:30:00Z', action: 'AuthorizeSecurityGroupIngress', actor: EVE, resources: [sg] }),
  // state changes
  pending: event({
    eventTime: '2026-03-01T11:00:05Z',
    action: 'EC2 Instance State-change Notification',
    category: 'state-change',
    readOnly: null,
    resources: [instance],
    state: 'pending',
  }),
  running: event({
    eventTime: '2026-03-01T11:00:30Z',
    action: 'EC2 Instance State-change Notification',
    category: 'state-change',
    readOnly: null,
    resources: [instance],
    state: 'running',
  }),
  taskRunning: event({
    eventTime: '2026-03-01T13:00:00Z',
    action: 'ECS Task State Change',
    service: 'ecs',
    category: 'state-change',
    readOnly: null,
    resources: [resource('AWS::ECS::Task', TASK, TASK), resource('AWS::ECR::Image', IMAGE)],
    state: 'RUNNING',
  }),
  shuttingDown: event({
    eventTime: '2026-03-02T09:00:10Z',
    action: 'EC2 Instance State-change Notification',
    category: 'state-change',
    readOnly: null,
    resources: [instance],
    state: 'shutting-down',
  }),
  terminated: event({
    eventTime: '2026-03-02T09:01:00Z',
    action: 'EC2 Instance State-change Notification',
    category: 'state-change',
    readOnly: null,
    resources: [instance],
    state: 'terminated',
  }),
};

export const A = {
  unsignedLaunch: alertDraft({
    account: ACCOUNT,
    kind: 'unsigned-launch',
    summary: `${DEPLOYER.arn} launched ${INSTANCE} from unattested ${AMI}`,
    principal: DEPLOYER.arn,
    resource: INSTANCE,
    eventTime: E.launch.eventTime,
    eventId: E.launch.eventId,
  }),
  drift: alertDraft({
    account: ACCOUNT,
    kind: 'drift',
    summary: `${BOB.arn} changed ${SG} by hand`,
    principal: BOB.arn,
    resource: SG,
    eventTime: E.bobModifiesSg.eventTime,
    eventId: E.bobModifiesSg.eventId,
  }),
  // Archived before alerts named their account: the field is absent, the column null.
  oldUnsignedLaunch: alertDraft({
    kind: 'unsigned-launch',
    summary: 'an older unsigned launch',
    principal: DEPLOYER.arn,
    resource: 'i-0old',
    eventTime: '2026-02-10T00:00:00Z',
    eventId: 'evt-old',
  }),
};

export const QUARANTINE: RecordDraft = {
  kind: 'quarantine',
  id: 'quarantine:q1',
  data: { reason: 'not JSON', rawBase64: Buffer.from('{oops').toString('base64'), via: { channel: 'eventbridge', logFile: null } },
};

const logFile = (day: string, n: string): string =>
  `AWSLogs/${ACCOUNT}/CloudTrail/us-east-1/${day.replace(/-/g, '/')}/${ACCOUNT}_CloudTrail_us-east-1_${day.replace(/-/g, '')}T1000Z_${n}.json.gz`;

/** A member account's log file, delivered by an organization trail. */
export const MEMBER_ACCOUNT = '222222222222';
const orgLogFile = (day: string, n: string): string =>
  `AWSLogs/o-abc123def4/${MEMBER_ACCOUNT}/CloudTrail/eu-west-1/${day.replace(/-/g, '/')}/${MEMBER_ACCOUNT}_CloudTrail_eu-west-1_${day.replace(/-/g, '')}T1000Z_${n}.json.gz`;

/** Coverage records; 'b' is one written before they named account and region (the query reads both from its path). */
export const COVERAGE = [
  {
    logFile: logFile('2026-03-01', 'a'),
    total: 10,
    archived: 8,
    recovered: 1,
    skipped: 1,
    digestSha256: 'ab'.repeat(32),
    account: ACCOUNT,
    region: 'us-east-1',
  },
  { logFile: logFile('2026-03-01', 'b'), total: 5, archived: 5, recovered: 0, skipped: 0, digestSha256: null },
  {
    logFile: logFile('2026-03-02', 'c'),
    total: 7,
    archived: 6,
    recovered: 1,
    skipped: 0,
    digestSha256: 'cd'.repeat(32),
    account: ACCOUNT,
    region: 'us-east-1',
  },
  { logFile: orgLogFile('2026-03-02', 'd'), total: 4, archived: 1, recovered: 3, skipped: 0, digestSha256: null, account: MEMBER_ACCOUNT, region: 'eu-west-1' },
  { logFile: 'exports/march.json.gz', total: 2, archived: 2, recovered: 0, skipped: 0, digestSha256: null, account: null, region: null },
];

export interface Scenario {
  builder: ArchiveBuilder;
  /** A committed batch in the middle of the api shard, and the orphan that overlaps it. */
  middle: WrittenBatch;
  middleOrphan: WrittenBatch;
  /** The api shard's tip, a copy of it written by a losing writer, and a losing writer's batch with an event committed nowhere. */
  tip: WrittenBatch;
  tipCopy: WrittenBatch;
  tipGhost: WrittenBatch;
}

export function buildScenario(): Scenario {
  const b = new ArchiveBuilder();
  b.commit(
    'api',
    '2026-03-01',
    [E.aliceOpensSg, E.bobModifiesSg, E.bobDescribesSg, E.carolFailsOnSg].map((e) => eventDraft(e)),
  );
  const middleStart = b.head('api') + 1;
  const middle = b.commit(
    'api',
    '2026-03-01',
    [E.launch, E.rootLogin, E.aliceCreatesKey, E.aliceReadsRole].map((e) => eventDraft(e)),
  );
  // lost the race for the same range: its records must never be counted
  const middleOrphan = b.orphan('api', '2026-03-01', middleStart, [eventDraft(E.malloryOpensSg), eventDraft(E.launch)]);
  b.commit('api', '2026-03-02', [A.unsignedLaunch, A.drift, A.oldUnsignedLaunch, eventDraft(E.daveTerminates), QUARANTINE]);
  const tipStart = b.head('api') + 1;
  const tip = b.commit('api', '2026-03-03', [eventDraft(E.alicePutsPolicy)]);
  const tipCopy = b.orphan('api', '2026-03-03', tipStart, [eventDraft(E.alicePutsPolicy)]);
  const tipGhost = b.orphan('api', '2026-03-03', tipStart, [eventDraft(E.eveOpensSg)]);

  b.commit(
    'state',
    '2026-03-01',
    [E.pending, E.running, E.taskRunning].map((e) => eventDraft(e)),
  );
  b.commit(
    'state',
    '2026-03-02',
    [E.shuttingDown, E.terminated].map((e) => eventDraft(e)),
  );

  b.commit('reconcile', '2026-03-02', [
    ...COVERAGE.map((c, i): RecordDraft => ({ kind: 'coverage', id: `coverage:${i}`, data: c })),
    {
      kind: 'attestation',
      id: 'attestation:1',
      data: {
        subject: DIGEST,
        subjectType: 'image-digest',
        keyId: 'arn:aws:kms:us-east-1:111111111111:key/1',
        algorithm: 'ECDSA_SHA_256',
        signature: 'c2ln',
        signer: 'ci',
        signedAt: '2026-03-01T09:00:00Z',
      },
    },
  ]);
  return { builder: b, middle, middleOrphan, tip, tipCopy, tipGhost };
}
