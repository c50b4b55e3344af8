import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { runDetectors } from '../../../lib/core/detect';
import { DEFAULT_SIGMA_RULE_DIR, loadSigmaRules } from '../../../lib/core/detect/sigma/loader';
import { sigmaDetector } from '../../../lib/core/detect/sigma/detector';
import type { JsonObject } from '../../../lib/core/json';
import { ingestRuntime } from '../../../lib/commit/runtime';
import { context, ct, eventRecord, fixture } from './helpers';

/**
 * rules/immutrail: immutrail's own rules, for what the SigmaHQ CloudTrail
 * rules miss (issue 17, "Detection gaps"). Every rule is tried, through the
 * Sigma detector the ingest path runs, on events that must raise it and on
 * near misses that must not.
 *
 * Two kinds of events:
 * - real records (fixtures/immutrail-rules/, see its PROVENANCE.md): Stratus
 *   Red Team detonation logs, and StreamAlert's rule test events;
 * - events built here from the documented API call: the request parameters
 *   are the API's request fields as CloudTrail logs them (camelCase, e.g.
 *   DBSnapshotIdentifier -> dBSnapshotIdentifier, the same shape as the real
 *   records above). The API reference of each call is given at its cases.
 */

const IMMUTRAIL_RULE_DIR = resolve(__dirname, '../../../rules/immutrail');
/** The folders the ingest/reconcile runtime loads (lib/commit/runtime.ts), in its order. */
const loaded = loadSigmaRules([
  { dir: DEFAULT_SIGMA_RULE_DIR, origin: 'project' },
  { dir: IMMUTRAIL_RULE_DIR, origin: 'project' },
]);
const ownFiles = readdirSync(IMMUTRAIL_RULE_DIR)
  .filter((f) => f.endsWith('.yml'))
  .sort();
const ruleOf = (file: string) => {
  const rule = loaded.rules.find((r) => r.file === file);
  if (!rule) throw new Error(`rule ${file} not loaded`);
  return rule;
};

const real = (name: string): JsonObject => fixture(`immutrail-rules/${name}.json`);
const ev = (eventSource: string, eventName: string, extra: JsonObject = {}): JsonObject =>
  ct({ eventSource: `${eventSource}.amazonaws.com`, eventName, ...extra });
const iamUser = (userName: string): JsonObject => ({
  type: 'IAMUser',
  principalId: 'AIDAEXAMPLE',
  arn: `arn:aws:iam::111122223333:user/${userName}`,
  accountId: '111122223333',
  accessKeyId: 'AKIAEXAMPLE',
  userName,
});
const root: JsonObject = { type: 'Root', principalId: '111122223333', arn: 'arn:aws:iam::111122223333:root', accountId: '111122223333' };
const failed = (e: JsonObject, errorCode = 'AccessDenied'): JsonObject => ({ ...e, errorCode, errorMessage: 'not authorized', responseElements: null });

const ctx = context({ sigmaRules: loaded.rules });
/** Files of the rules the Sigma detector raises an alert for, as the ingest path runs it. */
async function firing(raw: JsonObject): Promise<string[]> {
  const alerts = await sigmaDetector.detect(eventRecord(raw), ctx);
  return alerts.map((a) => (a.details as { file: string }).file).sort();
}

// --- RDS snapshots --------------------------------------------------------
// https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_ModifyDBSnapshotAttribute.html
// https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_ModifyDBClusterSnapshotAttribute.html
// Request: DBSnapshotIdentifier | DBClusterSnapshotIdentifier, AttributeName ("restore"), ValuesToAdd, ValuesToRemove ("all" = public).
const dbSnap = (params: JsonObject): JsonObject =>
  ev('rds', 'ModifyDBSnapshotAttribute', { requestParameters: { dBSnapshotIdentifier: 'prod-db-snap', attributeName: 'restore', ...params } });
const clusterSnap = (params: JsonObject): JsonObject =>
  ev('rds', 'ModifyDBClusterSnapshotAttribute', {
    requestParameters: { dBClusterSnapshotIdentifier: 'prod-cluster-snap', attributeName: 'restore', ...params },
  });

// --- AMIs -----------------------------------------------------------------
// https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_ModifyImageAttribute.html
// Request: ImageId, Attribute, LaunchPermission { Add: [LaunchPermission], Remove: [...] } with
// LaunchPermission = UserId | Group ("all") | OrganizationArn | OrganizationalUnitArn; CloudTrail logs the lists as { items: [...] }.
const image = (params: JsonObject): JsonObject =>
  ev('ec2', 'ModifyImageAttribute', { requestParameters: { imageId: 'ami-0abcdef1234567890', attributeType: 'launchPermission', ...params } });

// --- Login profiles -------------------------------------------------------
// https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateLoginProfile.html
// Request: UserName (optional: without it, the caller's own), Password (never logged), PasswordResetRequired.
const loginProfile = (userIdentity: JsonObject, params: JsonObject): JsonObject =>
  ev('iam', 'CreateLoginProfile', {
    userIdentity,
    requestParameters: { passwordResetRequired: false, ...params },
    responseElements: { loginProfile: { userName: (params.userName as string | undefined) ?? String(userIdentity.userName), passwordResetRequired: false } },
  });

// --- IAM Roles Anywhere ---------------------------------------------------
// https://docs.aws.amazon.com/rolesanywhere/latest/APIReference/API_CreateTrustAnchor.html
// https://docs.aws.amazon.com/rolesanywhere/latest/APIReference/API_CreateProfile.html
const trustAnchor = ev('rolesanywhere', 'CreateTrustAnchor', {
  requestParameters: {
    name: 'ci-anchor',
    enabled: true,
    source: { sourceType: 'CERTIFICATE_BUNDLE', sourceData: { x509CertificateData: '-----BEGIN CERTIFICATE-----' } },
  },
});
const rolesAnywhereProfile = ev('rolesanywhere', 'CreateProfile', {
  requestParameters: { name: 'ci-profile', enabled: true, roleArns: ['arn:aws:iam::111122223333:role/ci'], durationSeconds: 3600 },
});

// --- Organizations --------------------------------------------------------
// https://docs.aws.amazon.com/organizations/latest/APIReference/API_LeaveOrganization.html (no request parameters)
const leave = ev('organizations', 'LeaveOrganization');

const CASES: Record<string, { match: [string, JsonObject][]; noMatch: [string, JsonObject][] }> = {
  'immutrail_rds_snapshot_shared_cross_account.yml': {
    match: [
      ['Stratus rds-share-snapshot detonation', real('stratus-red-team-269-ModifyDBSnapshotAttribute')],
      ['StreamAlert: cluster snapshot shared with one account', real('streamalert-39-ModifyDBClusterSnapshotAttribute')],
      ['DB snapshot shared with two accounts', dbSnap({ valuesToAdd: ['444455556666', '777788889999'] })],
      ['cluster snapshot shared with an account', clusterSnap({ valuesToAdd: ['444455556666'] })],
      ['denied attempt to share', failed(dbSnap({ valuesToAdd: ['444455556666'] }))],
    ],
    noMatch: [
      ['an account removed', dbSnap({ valuesToRemove: ['444455556666'] })],
      ['cluster snapshot: an account removed', clusterSnap({ valuesToRemove: ['444455556666'] })],
      ['empty valuesToAdd', dbSnap({ valuesToAdd: [] })],
      ['made public (the public rule instead)', dbSnap({ valuesToAdd: ['all'] })],
      ['another attribute name', dbSnap({ attributeName: 'other', valuesToAdd: ['444455556666'] })],
      ['reading the attributes', ev('rds', 'DescribeDBSnapshotAttributes', { requestParameters: { dBSnapshotIdentifier: 'prod-db-snap' } })],
    ],
  },
  'immutrail_rds_snapshot_made_public.yml': {
    match: [
      ['StreamAlert: cluster snapshot made public', real('streamalert-40-ModifyDBClusterSnapshotAttribute')],
      ['DB snapshot made public', dbSnap({ valuesToAdd: ['all'] })],
      ['"all" next to an account', clusterSnap({ valuesToAdd: ['444455556666', 'all'] })],
    ],
    noMatch: [
      ['Stratus: shared with one account', real('stratus-red-team-269-ModifyDBSnapshotAttribute')],
      ['public access removed', dbSnap({ valuesToRemove: ['all'] })],
      ['another attribute name', clusterSnap({ attributeName: 'other', valuesToAdd: ['all'] })],
    ],
  },
  'immutrail_ami_shared_cross_account.yml': {
    match: [
      ['Stratus ec2-share-ami detonation', fixture('cloudtrail/stratus-red-team-267-ModifyImageAttribute.json')],
      ['shared with an account', image({ launchPermission: { add: { items: [{ userId: '444455556666' }] } } })],
      [
        'shared with an organization',
        image({ launchPermission: { add: { items: [{ organizationArn: 'arn:aws:organizations::444455556666:organization/o-abc' }] } } }),
      ],
      ['denied attempt', failed(image({ launchPermission: { add: { items: [{ userId: '444455556666' }] } } }), 'UnauthorizedOperation')],
    ],
    noMatch: [
      ['an account removed', image({ launchPermission: { remove: { items: [{ userId: '444455556666' }] } } })],
      ['made public (the public rule instead)', image({ launchPermission: { add: { items: [{ group: 'all' }] } } })],
      ['description changed', image({ attributeType: 'description', description: { value: 'golden image' } })],
      [
        'reading the attribute',
        ev('ec2', 'DescribeImageAttribute', { requestParameters: { imageId: 'ami-0abcdef1234567890', attribute: 'launchPermission' } }),
      ],
    ],
  },
  'immutrail_ami_made_public.yml': {
    match: [
      ['StreamAlert: AMI made public', real('streamalert-37-ModifyImageAttribute')],
      ['group all added', image({ launchPermission: { add: { items: [{ group: 'all' }] } } })],
    ],
    noMatch: [
      ['StreamAlert: public permission removed', real('streamalert-36-ModifyImageAttribute')],
      ['Stratus: shared with one account', fixture('cloudtrail/stratus-red-team-267-ModifyImageAttribute.json')],
    ],
  },
  'immutrail_iam_login_profile_created_for_other_user.yml': {
    match: [
      ['Stratus iam-create-user-login-profile detonation', real('stratus-red-team-302-CreateLoginProfile')],
      ['IAM user bob for alice', loginProfile(iamUser('bob'), { userName: 'alice' })],
      ['role session for alice', loginProfile(ct({ eventSource: 'x', eventName: 'x' }).userIdentity as JsonObject, { userName: 'alice' })],
      ['root user for alice', loginProfile(root, { userName: 'alice' })],
      ['denied attempt for alice', failed(loginProfile(iamUser('bob'), { userName: 'alice' }))],
    ],
    noMatch: [
      ['bob for himself', loginProfile(iamUser('bob'), { userName: 'bob' })],
      ['bob for himself, name in another case (IAM names are case-insensitive)', loginProfile(iamUser('bob'), { userName: 'Bob' })],
      ['no userName: the caller itself', loginProfile(iamUser('bob'), {})],
      ['UpdateLoginProfile for alice', ev('iam', 'UpdateLoginProfile', { userIdentity: iamUser('bob'), requestParameters: { userName: 'alice' } })],
      ['CreateAccessKey for alice', ev('iam', 'CreateAccessKey', { userIdentity: iamUser('bob'), requestParameters: { userName: 'alice' } })],
    ],
  },
  'immutrail_rolesanywhere_trust_anchor_or_profile_created.yml': {
    match: [
      ['Stratus rolesanywhere-create-trust-anchor: CreateTrustAnchor', real('stratus-red-team-306-CreateTrustAnchor')],
      ['Stratus rolesanywhere-create-trust-anchor: CreateProfile', real('stratus-red-team-307-CreateProfile')],
      ['CreateTrustAnchor', trustAnchor],
      ['CreateProfile', rolesAnywhereProfile],
      ['denied CreateProfile', failed(rolesAnywhereProfile)],
    ],
    noMatch: [
      ['ListTrustAnchors', ev('rolesanywhere', 'ListTrustAnchors')],
      ['DeleteProfile', ev('rolesanywhere', 'DeleteProfile', { requestParameters: { profileId: 'p-1' } })],
      ['IAM CreateInstanceProfile', ev('iam', 'CreateInstanceProfile', { requestParameters: { instanceProfileName: 'web' } })],
      ['CreateProfile of another service', ev('sso', 'CreateProfile')],
    ],
  },
  'immutrail_organizations_leave_organization.yml': {
    match: [
      ['Stratus organizations-leave detonation (AccessDenied)', real('stratus-red-team-121-LeaveOrganization')],
      ['successful LeaveOrganization', leave],
      ['failed LeaveOrganization', failed(leave, 'ConstraintViolationException')],
    ],
    noMatch: [
      ['DescribeOrganization', ev('organizations', 'DescribeOrganization')],
      [
        'RemoveAccountFromOrganization by the management account',
        ev('organizations', 'RemoveAccountFromOrganization', { requestParameters: { accountId: '444455556666' } }),
      ],
    ],
  },
};

describe('rules/immutrail: the folder', () => {
  it('loads every rule, with no rejects, next to the SigmaHQ rules', () => {
    expect(loaded.rejected.map((e) => e.message)).toEqual([]);
    expect(ownFiles.length).toBeGreaterThanOrEqual(Object.keys(CASES).length);
    const own = loaded.rules.filter((r) => ownFiles.includes(r.file));
    expect(own.map((r) => r.file).sort()).toEqual(ownFiles);
    expect(own.every((r) => r.origin === 'project')).toBe(true);
    // no id collides with a SigmaHQ rule (a collision would silently replace it)
    expect(new Set(loaded.rules.map((r) => r.id)).size).toBe(loaded.rules.length);
    expect(loaded.rules).toHaveLength(readdirSync(DEFAULT_SIGMA_RULE_DIR).filter((f) => f.endsWith('.yml')).length + ownFiles.length);
  });

  it("every rule is immutrail's: UUID id, author, AWS API references, level, ATT&CK tags", () => {
    for (const file of ownFiles) {
      const doc = parse(readFileSync(join(IMMUTRAIL_RULE_DIR, file), 'utf8')) as Record<string, unknown>;
      expect(doc.id, file).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(doc.author, file).toBe('immutrail');
      // API reference pages: .../APIReference/API_X.html, or S3's and Lambda's .../API/API_X.html, .../api/API_X.html
      expect(
        (doc.references as string[]).some((u) => u.startsWith('https://docs.aws.amazon.com/') && /\/API_\w+\.html$/.test(u)),
        file,
      ).toBe(true);
      expect(['low', 'medium', 'high', 'critical'], file).toContain(doc.level);
      expect(
        (doc.tags as string[]).some((t) => /^attack\.t\d{4}(\.\d{3})?$/.test(t)),
        file,
      ).toBe(true);
    }
  });

  it('says whose rules they are and under which licence', () => {
    const readme = readFileSync(join(IMMUTRAIL_RULE_DIR, 'README.md'), 'utf8');
    expect(readme).toContain('Apache-2.0');
    for (const file of ownFiles) expect(readme, file).toContain(file);
  });

  it("has match and near-miss cases for every rule of the issue's gaps (the attack-catalogue rules are in stratus-coverage.test.ts)", () => {
    for (const file of Object.keys(CASES)) expect(ownFiles).toContain(file);
  });
});

describe('rules/immutrail: each rule through the Sigma detector', () => {
  for (const [file, c] of Object.entries(CASES)) {
    describe(file, () => {
      for (const [name, raw] of c.match) {
        it(`raises it: ${name}`, async () => {
          expect(await firing(raw)).toContain(file);
        });
      }
      for (const [name, raw] of c.noMatch) {
        it(`does not raise it: ${name}`, async () => {
          expect(await firing(raw)).not.toContain(file);
        });
      }
    });
  }

  it('a share raises one of the cross-account and public rules, never both', async () => {
    const pairs = [
      ['immutrail_rds_snapshot_shared_cross_account.yml', 'immutrail_rds_snapshot_made_public.yml'],
      ['immutrail_ami_shared_cross_account.yml', 'immutrail_ami_made_public.yml'],
    ];
    for (const [, c] of Object.entries(CASES)) {
      for (const [name, raw] of c.match) {
        const fired = await firing(raw);
        for (const pair of pairs) expect(pair.filter((f) => fired.includes(f)).length, name).toBeLessThanOrEqual(1);
      }
    }
  });

  it('alerts carry the rule, its level, the origin and the outcome (real Stratus records)', async () => {
    const login = ruleOf('immutrail_iam_login_profile_created_for_other_user.yml');
    const raw = real('stratus-red-team-302-CreateLoginProfile');
    const alerts = await sigmaDetector.detect(eventRecord(raw), ctx);
    const alert = alerts.find((a) => a.rule === login.id)!;
    expect(alert).toMatchObject({ kind: 'sigma', severity: 'medium', id: `${login.id}:${raw.eventID as string}` });
    expect(alert.details).toMatchObject({ origin: 'project', file: login.file, action: 'iam:CreateLoginProfile', succeeded: true, errorCode: null });

    const leaveRule = ruleOf('immutrail_organizations_leave_organization.yml');
    const denied = (await sigmaDetector.detect(eventRecord(real('stratus-red-team-121-LeaveOrganization')), ctx)).find((a) => a.rule === leaveRule.id)!;
    expect(denied).toMatchObject({ severity: 'high' });
    expect(denied.details).toMatchObject({ succeeded: false, errorCode: 'AccessDenied' });
  });

  it('EBS snapshot sharing needs no rule here: the SigmaHQ rule fires on the Stratus detonation', async () => {
    const fired = await firing(real('stratus-red-team-268-ModifySnapshotAttribute'));
    expect(fired).toContain('aws_snapshot_backup_exfiltration.yml');
    expect(fired.filter((f) => f.startsWith('immutrail_'))).toEqual([]);
  });
});

describe('the ingest runtime loads rules/immutrail', () => {
  it('raises the immutrail rules from deps.detect, as the ingest, reconcile and demo paths run it', async () => {
    const runtime = await ingestRuntime({
      IMMUTRAIL_TABLE: 'immutrail-test',
      IMMUTRAIL_ARCHIVE_BUCKET: 'immutrail-test-archive',
      IMMUTRAIL_ORIGIN: 'test',
      AWS_REGION: 'us-east-1',
    });
    expect(runtime.rejectedRules).toEqual([]);
    for (const [file, raw] of [
      ['immutrail_iam_login_profile_created_for_other_user.yml', real('stratus-red-team-302-CreateLoginProfile')],
      ['immutrail_rolesanywhere_trust_anchor_or_profile_created.yml', real('stratus-red-team-306-CreateTrustAnchor')],
      ['immutrail_organizations_leave_organization.yml', real('stratus-red-team-121-LeaveOrganization')],
    ] as const) {
      const alerts = await runtime.deps.detect!(eventRecord(raw));
      expect(
        alerts.map((a) => a.rule),
        file,
      ).toContain(ruleOf(file).id);
    }
    // The sharing rules are superseded by the foreign-account detector: one alert for the share, naming both accounts.
    const shared = await runtime.deps.detect!(eventRecord(real('stratus-red-team-269-ModifyDBSnapshotAttribute')));
    expect(shared.map((a) => a.rule)).not.toContain(ruleOf('immutrail_rds_snapshot_shared_cross_account.yml').id);
    expect(shared.filter((a) => a.kind === 'foreign-account').map((a) => [a.rule, a.account, a.details.foreignAccounts])).toEqual([
      ['foreign-account.share', '171471557522', ['503161813013']],
    ]);
    // and the same through runDetectors with the test context, for comparison
    const direct = await runDetectors(eventRecord(real('stratus-red-team-307-CreateProfile')), ctx);
    expect(direct.map((a) => a.rule)).toContain(ruleOf('immutrail_rolesanywhere_trust_anchor_or_profile_created.yml').id);
  });
});
