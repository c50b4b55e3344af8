import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Alert } from '../../../lib/core/alert';
import { runDetectors } from '../../../lib/core/detect';
import { defaultDetectionConfig, type OrganizationConfig } from '../../../lib/core/detect/config';
import { foreignAccountDetector, SUPERSEDED_SIGMA_RULES } from '../../../lib/core/detect/foreign-account';
import { DEFAULT_SIGMA_RULE_DIR, loadSigmaRules } from '../../../lib/core/detect/sigma/loader';
import type { JsonObject } from '../../../lib/core/json';
import { context, ct, eventRecord, fixture } from './helpers';

/**
 * The foreign-account detector on real sharing records (Stratus Red Team
 * detonations, StreamAlert and AWS documentation examples; see
 * fixtures/foreign-account/PROVENANCE.md) and on built events for the
 * request shapes no public record shows (organization ARNs, service callers).
 */

const org = (o: Partial<OrganizationConfig>) => context({ config: { organization: { accounts: null, stackAccounts: [], id: null, ...o } } });
const detect = (raw: JsonObject, ctx: ReturnType<typeof org>): Promise<Alert[]> => foreignAccountDetector.detect(eventRecord(raw), ctx);

const stratusSnapshot = fixture('immutrail-rules/stratus-red-team-268-ModifySnapshotAttribute.json'); // 756680937392 -> 098797384747
const stratusAmi = fixture('cloudtrail/stratus-red-team-267-ModifyImageAttribute.json'); // 118238665043 -> 846424999548
const stratusRds = fixture('immutrail-rules/stratus-red-team-269-ModifyDBSnapshotAttribute.json'); // 171471557522 -> 503161813013
const clusterShared = fixture('immutrail-rules/streamalert-39-ModifyDBClusterSnapshotAttribute.json'); // 123456789012 -> 123456789013
const clusterPublic = fixture('immutrail-rules/streamalert-40-ModifyDBClusterSnapshotAttribute.json');
const amiPublicRemoved = fixture('immutrail-rules/streamalert-36-ModifyImageAttribute.json');
const amiPublic = fixture('immutrail-rules/streamalert-37-ModifyImageAttribute.json');
const foreignUserAssumesRole = fixture('foreign-account/awsdocs-iam-user-guide-2-AssumeRole.json'); // 777788889999 -> role in 111122223333
const awsAccountAssumesRole = fixture('foreign-account/awsdocs-iam-user-guide-3-AssumeRole.json');

describe('foreign-account: resources shared out', () => {
  it.each([
    ['an EBS snapshot (Stratus ec2-share-ebs-snapshot)', stratusSnapshot, '756680937392', '098797384747', 'snap-041993b54a9b3af6f', 'AWS::EC2::Snapshot'],
    ['an AMI (Stratus ec2-share-ami)', stratusAmi, '118238665043', '846424999548', 'ami-de1fbCab6ccB03e6D', 'AWS::EC2::Image'],
    ['an RDS snapshot (Stratus rds-share-snapshot)', stratusRds, '171471557522', '503161813013', 'exfiltration', 'AWS::RDS::DBSnapshot'],
    ['an RDS cluster snapshot (StreamAlert)', clusterShared, '123456789012', '123456789013', 'mysnapshot', 'AWS::RDS::DBClusterSnapshot'],
  ])('%s shared with an account outside the organization: one alert naming both accounts', async (_what, raw, owner, foreign, resource, type) => {
    const alerts = await detect(raw, org({ accounts: [owner, '999999999999'] }));
    expect(alerts).toHaveLength(1);
    const [a] = alerts;
    expect(a).toMatchObject({ kind: 'foreign-account', rule: 'foreign-account.share', severity: 'high', account: owner, resource });
    expect(a!.details).toMatchObject({ owner, foreignAccounts: [foreign], public: false, organizationKnown: true, resourceType: type, succeeded: true });
    expect(a!.summary).toContain(owner);
    expect(a!.summary).toContain(foreign);
  });

  it('a share with a member of the organization raises nothing', async () => {
    expect(await detect(stratusSnapshot, org({ accounts: ['756680937392', '098797384747'] }))).toEqual([]);
    expect(await detect(clusterShared, org({ accounts: ['123456789012', '123456789013'] }))).toEqual([]);
  });

  it('without organizationAccounts, the accounts the stack is configured with stand in for the organization', async () => {
    expect(await detect(clusterShared, org({ stackAccounts: ['123456789013'] }))).toEqual([]);
    const [a] = await detect(clusterShared, org({ stackAccounts: ['555555555555'] }));
    expect(a!.details).toMatchObject({ foreignAccounts: ['123456789013'], organizationKnown: false });
    // The event's own account always belongs, even in a stack configured with no accounts at all.
    const self = ct({
      eventSource: 'rds.amazonaws.com',
      eventName: 'ModifyDBSnapshotAttribute',
      requestParameters: { attributeName: 'restore', dBSnapshotIdentifier: 's', valuesToAdd: ['111122223333'] },
    });
    expect(await detect(self, org({}))).toEqual([]);
  });

  it('"all" (public) is outside every organization', async () => {
    const everyone = org({ accounts: ['123456789012', '123456789123'] });
    for (const raw of [amiPublic, clusterPublic]) {
      const [a] = await detect(raw, everyone);
      expect(a).toMatchObject({ rule: 'foreign-account.share', severity: 'high' });
      expect(a!.details).toMatchObject({ public: true, foreignAccounts: [] });
      expect(a!.summary).toContain('every AWS account (public)');
    }
  });

  it('removing a permission grants nothing', async () => {
    expect(await detect(amiPublicRemoved, org({ accounts: ['123456789123'] }))).toEqual([]);
  });

  it('a share with an organization or OU: foreign unless it is the configured organization', async () => {
    const share = (item: JsonObject) =>
      ct({
        eventSource: 'ec2.amazonaws.com',
        eventName: 'ModifyImageAttribute',
        requestParameters: { imageId: 'ami-1', attributeType: 'launchPermission', launchPermission: { add: { items: [item] } } },
      });
    const ours = { organizationArn: 'arn:aws:organizations::999999999999:organization/o-a1b2c3d4e5' };
    const ourOu = { organizationalUnitArn: 'arn:aws:organizations::999999999999:ou/o-a1b2c3d4e5/ou-ab12-cdef3456' };
    const theirs = { organizationArn: 'arn:aws:organizations::888888888888:organization/o-zzzzzzzzzz' };
    const known = org({ accounts: ['111122223333'], id: 'o-a1b2c3d4e5' });
    expect(await detect(share(ours), known)).toEqual([]);
    expect(await detect(share(ourOu), known)).toEqual([]);
    expect((await detect(share(theirs), known))[0]!.details.organizations).toEqual([theirs.organizationArn]);
    // Without organizationId nobody can tell: it is reported.
    expect(await detect(share(ours), org({ accounts: ['111122223333'] }))).toHaveLength(1);
  });

  it('a failed share changed nothing: a low-severity attempt', async () => {
    const failed = { ...stratusRds, errorCode: 'AccessDenied', errorMessage: 'not authorized', responseElements: null };
    const [a] = await detect(failed, org({ accounts: ['171471557522'] }));
    expect(a).toMatchObject({ rule: 'foreign-account.share.attempt', severity: 'low' });
    expect(a!.details).toMatchObject({ succeeded: false, errorCode: 'AccessDenied' });
  });
});

describe('foreign-account: calls made by a foreign account', () => {
  it('an IAM user of a foreign account assumes a role of the organization', async () => {
    const alerts = await detect(foreignUserAssumesRole, org({ accounts: ['111122223333'] }));
    expect(alerts.map((a) => [a.rule, a.severity, a.account, a.resource])).toEqual([
      ['foreign-account.caller', 'high', '111122223333', 'arn:aws:iam::111122223333:role/EC2-dev'],
    ]);
    expect(alerts[0]!.details).toMatchObject({ callerAccount: '777788889999', callerType: 'IAMUser', owner: '111122223333' });
    expect(alerts[0]!.summary).toBe(
      'Foreign account: account 777788889999, outside the organization, assumed arn:aws:iam::111122223333:role/EC2-dev in 111122223333',
    );
    expect(await detect(foreignUserAssumesRole, org({ accounts: ['111122223333', '777788889999'] }))).toEqual([]);
  });

  it('an AWSAccount caller, delivered by the live lane: the envelope names the account it happened in', async () => {
    const envelope: JsonObject = {
      version: '0',
      id: 'c0ffee00-0000-4000-8000-000000000001',
      'detail-type': 'AWS API Call via CloudTrail',
      source: 'aws.sts',
      account: '111122223333',
      time: '2014-07-18T15:07:39Z',
      region: 'us-east-2',
      resources: [],
      detail: awsAccountAssumesRole,
    };
    const alerts = await detect(envelope, org({ accounts: ['111122223333'] }));
    expect(alerts.map((a) => [a.rule, a.account])).toEqual([['foreign-account.caller', '111122223333']]);
    expect(alerts[0]!.details).toMatchObject({ callerAccount: '777788889999', callerType: 'AWSAccount' });
  });

  it('AWS services acting for someone, and callers in the account itself, are not foreign', async () => {
    const service = ct({
      eventSource: 'kms.amazonaws.com',
      eventName: 'Decrypt',
      userIdentity: { type: 'AWSService', invokedBy: 'cloudtrail.amazonaws.com' },
    });
    const viaService = ct({
      eventSource: 's3.amazonaws.com',
      eventName: 'PutObject',
      userIdentity: { type: 'AWSAccount', accountId: '222233334444', invokedBy: 'AWS Internal' },
    });
    const own = ct({ eventSource: 'ec2.amazonaws.com', eventName: 'StopInstances' });
    for (const raw of [service, viaService, own]) expect(await detect(raw, org({ accounts: ['111122223333'] }))).toEqual([]);
  });
});

describe('foreign-account supersedes the sharing Sigma rules', () => {
  const rules = loadSigmaRules([
    { dir: DEFAULT_SIGMA_RULE_DIR, origin: 'project' },
    { dir: resolve(__dirname, '../../../rules/immutrail'), origin: 'project' },
  ]).rules;
  const ctx = (accounts: string[]) =>
    context({ sigmaRules: rules, config: { ...defaultDetectionConfig(), organization: { accounts, stackAccounts: [], id: null } } });

  it('lists the sharing rules of rules/immutrail and the SigmaHQ snapshot rule, all loaded', () => {
    expect(SUPERSEDED_SIGMA_RULES.map((id) => rules.find((r) => r.id === id)?.file).sort()).toEqual([
      'aws_snapshot_backup_exfiltration.yml',
      'immutrail_ami_made_public.yml',
      'immutrail_ami_shared_cross_account.yml',
      'immutrail_rds_snapshot_made_public.yml',
      'immutrail_rds_snapshot_shared_cross_account.yml',
    ]);
  });

  it('a foreign share: the foreign-account alert, not also the Sigma one', async () => {
    const alerts = await runDetectors(eventRecord(stratusRds), ctx(['171471557522']));
    expect(alerts.map((a) => a.kind)).toEqual(['foreign-account']);
    // Made by hand (not a deployer): drift says who, foreign-account says with whom.
    const ami = await runDetectors(eventRecord(amiPublic), ctx(['123456789123']));
    expect(ami.map((a) => a.rule)).toEqual(['drift.image-sharing', 'foreign-account.share']);
    const snapshot = await runDetectors(eventRecord(stratusSnapshot), ctx(['756680937392']));
    expect(snapshot.map((a) => a.rule)).toEqual(['drift.image-sharing', 'foreign-account.share']);
  });

  it('a share inside the organization: no sharing alert at all', async () => {
    const alerts = await runDetectors(eventRecord(stratusRds), ctx(['171471557522', '503161813013']));
    expect(alerts).toEqual([]);
  });
});
