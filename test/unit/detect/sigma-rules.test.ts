import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SIGMA_RULE_DIR, loadSigmaRules } from '../../../lib/core/detect/sigma/loader';
import { sigmaDetector } from '../../../lib/core/detect/sigma/detector';
import type { JsonObject } from '../../../lib/core/json';
import { assumedRole, context, ct, eventRecord, fixture } from './helpers';

/**
 * Every rule in rules/sigma (SigmaHQ's CloudTrail rules) must load, and is
 * tried on events that must and must not match. Real corpus events are used
 * where the corpus has one (fixtures/); otherwise the event is built from the
 * rule's own detection section.
 */

/** Rules this engine cannot run, with the reason. None today: every construct they use is supported. */
const EXPECTED_UNSUPPORTED: Record<string, string> = {};

const fx = (name: string): JsonObject => fixture(`cloudtrail/${name}.json`);
const ev = (eventSource: string, eventName: string, extra: JsonObject = {}): JsonObject =>
  ct({ eventSource: `${eventSource}.amazonaws.com`, eventName, ...extra });
const iamUser = { type: 'IAMUser', principalId: 'AIDAEXAMPLE', arn: 'arn:aws:iam::111122223333:user/bob', accountId: '111122223333', userName: 'bob' };
const root = { type: 'Root', principalId: '111122223333', arn: 'arn:aws:iam::111122223333:root', accountId: '111122223333' };
const S3_BROWSER = 'S3 Browser 11.4.5 https://s3browser.com';
const with_ = (base: JsonObject, extra: JsonObject): JsonObject => ({ ...base, ...extra });

const CASES: Record<string, { match: JsonObject[]; noMatch: JsonObject[] }> = {
  'aws_cloudtrail_bedrock_guardrail_deleted.yml': { match: [fx('panther-analysis-18-DeleteGuardrail')], noMatch: [fx('panther-analysis-17-UpdateGuardrail')] },
  'aws_cloudtrail_bedrock_guardrail_updated.yml': { match: [fx('panther-analysis-17-UpdateGuardrail')], noMatch: [fx('panther-analysis-18-DeleteGuardrail')] },
  'aws_cloudtrail_bucket_deleted.yml': {
    match: [fx('awsdocs-iam-user-guide-5-DeleteBucket')],
    noMatch: [with_(fx('awsdocs-iam-user-guide-5-DeleteBucket'), { errorCode: 'BucketNotEmpty' }), fx('panther-analysis-302-PutBucketPolicy')],
  },
  'aws_cloudtrail_console_login_failed_authentication.yml': {
    match: [fx('awsdocs-aws-cloudtrail-user-guide-3-ConsoleLogin'), fx('panther-analysis-52-ConsoleLogin')],
    noMatch: [fx('awsdocs-aws-cloudtrail-user-guide-1-ConsoleLogin')],
  },
  'aws_cloudtrail_console_login_success_without_mfa.yml': {
    match: [fx('awsdocs-aws-cloudtrail-user-guide-1-ConsoleLogin'), fx('panther-analysis-55-ConsoleLogin')],
    noMatch: [fx('awsdocs-aws-cloudtrail-user-guide-2-ConsoleLogin'), fx('awsdocs-aws-cloudtrail-user-guide-3-ConsoleLogin')],
  },
  'aws_cloudtrail_disable_logging.yml': {
    match: [fx('stratus-red-team-118-StopLogging'), fx('stratus-red-team-116-DeleteTrail'), fx('awsdocs-aws-cloudtrail-user-guide-16-UpdateTrail')],
    noMatch: [ev('cloudtrail', 'StartLogging'), fx('stratus-red-team-117-PutEventSelectors')],
  },
  'aws_cloudtrail_guardduty_detector_deleted_or_updated.yml': {
    match: [fx('streamalert-13-DeleteDetector'), ev('guardduty', 'UpdateDetector', { requestParameters: { detectorId: 'd1', enable: false } })],
    noMatch: [
      ev('guardduty', 'UpdateDetector', { requestParameters: { detectorId: 'd1', enable: true } }),
      ev('guardduty', 'DeleteDetector', { errorCode: 'AccessDenied' }),
    ],
  },
  'aws_cloudtrail_imds_malicious_usage.yml': {
    match: [
      ev('s3', 'ListBuckets', {
        userIdentity: { type: 'AssumedRole', arn: 'arn:aws:sts::1:assumed-role/aws:ec2-instance/i-0abc' },
        sourceIPAddress: '198.51.100.7',
      }),
    ],
    noMatch: [
      ev('s3', 'ListBuckets', {
        userIdentity: { type: 'AssumedRole', arn: 'arn:aws:sts::1:assumed-role/aws:ec2-instance/i-0abc' },
        sourceIPAddress: 'AWS Internal',
      }),
      ev('ssm', 'UpdateInstanceInformation', { userIdentity: { type: 'AssumedRole', arn: 'arn:aws:sts::1:assumed-role/aws:ec2-instance/i-0abc' } }),
      ev('s3', 'ListBuckets', { userIdentity: { type: 'AssumedRole', arn: 'arn:aws:sts::1:assumed-role/app/i-0abc' }, sourceIPAddress: '198.51.100.7' }),
    ],
  },
  'aws_cloudtrail_new_acl_entries.yml': { match: [fx('panther-analysis-115-CreateNetworkAclEntry')], noMatch: [ev('ec2', 'DeleteNetworkAclEntry')] },
  'aws_cloudtrail_new_route_added.yml': { match: [fx('panther-analysis-119-CreateRoute')], noMatch: [ev('ec2', 'CreateRouteTable')] },
  'aws_cloudtrail_pua_trufflehog.yml': { match: [fx('panther-analysis-416-AssumeRole')], noMatch: [fx('stratus-red-team-118-StopLogging')] },
  'aws_cloudtrail_region_enabled.yml': { match: [ev('account', 'EnableRegion')], noMatch: [ev('account', 'DisableRegion'), ev('cloudtrail', 'EnableRegion')] },
  'aws_cloudtrail_security_group_change_ingress_egress.yml': {
    match: [
      fx('stratus-red-team-266-AuthorizeSecurityGroupIngress'),
      fx('panther-analysis-102-AuthorizeSecurityGroupEgress'),
      ev('ec2', 'RevokeSecurityGroupIngress'),
    ],
    noMatch: [ev('ec2', 'DescribeSecurityGroups'), ev('ec2', 'ModifySecurityGroupRules')],
  },
  'aws_cloudtrail_security_group_change_loadbalancer.yml': {
    match: [ev('elasticloadbalancing', 'SetSecurityGroups'), ev('elasticloadbalancing', 'ApplySecurityGroupsToLoadBalancer')],
    noMatch: [ev('ec2', 'SetSecurityGroups'), ev('elasticloadbalancing', 'DescribeLoadBalancers')],
  },
  'aws_cloudtrail_security_group_change_rds.yml': {
    match: [fx('panther-analysis-278-AuthorizeDBSecurityGroupIngress'), ev('rds', 'DeleteDBSecurityGroup')],
    noMatch: [ev('rds', 'ModifyDBInstance')],
  },
  'aws_cloudtrail_ssm_malicious_usage.yml': {
    match: [fx('stratus-red-team-35-SendCommand')],
    noMatch: [with_(fx('stratus-red-team-35-SendCommand'), { errorCode: 'AccessDeniedException' }), ev('ssm', 'GetCommandInvocation')],
  },
  'aws_cloudtrail_vpc_flow_logs_deleted.yml': {
    match: [fx('stratus-red-team-123-DeleteFlowLogs')],
    noMatch: [with_(fx('stratus-red-team-123-DeleteFlowLogs'), { errorCode: 'Client.UnauthorizedOperation' }), ev('ec2', 'CreateFlowLogs')],
  },
  'aws_config_disable_recording.yml': {
    match: [fx('panther-analysis-61-DeleteDeliveryChannel'), fx('streamalert-10-StopConfigurationRecorder')],
    noMatch: [ev('config', 'PutDeliveryChannel'), ev('config', 'StartConfigurationRecorder')],
  },
  'aws_console_getsignintoken.yml': {
    match: [fx('panther-analysis-66-GetSigninToken')],
    noMatch: [with_(fx('panther-analysis-66-GetSigninToken'), { userAgent: 'Jersey/${project.version} (HttpUrlConnection 1.8.0_352)' })],
  },
  'aws_delete_identity.yml': { match: [ev('ses', 'DeleteIdentity')], noMatch: [ev('ses', 'VerifyEmailIdentity')] },
  // The rule also requires a top-level `status: success`, which CloudTrail records do not carry: it matches only such events.
  'aws_delete_saml_provider.yml': {
    match: [ev('iam', 'DeleteSAMLProvider', { status: 'success' })],
    noMatch: [ev('iam', 'DeleteSAMLProvider'), ev('iam', 'CreateSAMLProvider', { status: 'success' })],
  },
  'aws_disable_bucket_versioning.yml': {
    match: [fx('panther-analysis-364-PutBucketVersioning')],
    noMatch: [ev('s3', 'PutBucketVersioning', { requestParameters: { bucketName: 'b', VersioningConfiguration: { Status: 'Enabled' } } })],
  },
  'aws_ec2_disable_encryption.yml': { match: [fx('panther-analysis-92-DisableEbsEncryptionByDefault')], noMatch: [ev('ec2', 'EnableEbsEncryptionByDefault')] },
  'aws_ec2_import_key_pair_activity.yml': { match: [ev('ec2', 'ImportKeyPair')], noMatch: [ev('ec2', 'CreateKeyPair')] },
  // Real ModifyInstanceAttribute records carry requestParameters.userData, not attribute=userData: the rule misses the Stratus detonation.
  'aws_ec2_startup_script_change.yml': {
    match: [ev('ec2', 'ModifyInstanceAttribute', { requestParameters: { instanceId: 'i-1', attribute: 'userData', value: 'IyEvYmluL3No' } })],
    noMatch: [
      fx('stratus-red-team-151-ModifyInstanceAttribute'),
      ev('ec2', 'ModifyInstanceAttribute', { requestParameters: { instanceId: 'i-1', attribute: 'instanceType' } }),
    ],
  },
  'aws_ec2_vm_export_failure.yml': {
    match: [ev('ec2', 'CreateInstanceExportTask', { responseElements: { exportTask: { state: 'active' } } })],
    noMatch: [
      ev('ec2', 'CreateInstanceExportTask', { errorCode: 'InvalidParameter', errorMessage: 'bad bucket' }),
      ev('ec2', 'CreateInstanceExportTask', { responseElements: { exportTask: { state: 'Failure' } } }),
    ],
  },
  'aws_ecs_task_definition_cred_endpoint_query.yml': {
    match: [
      ev('ecs', 'RegisterTaskDefinition', {
        requestParameters: {
          family: 'x',
          containerDefinitions: [{ name: 'c', command: ['sh', '-c', 'curl 169.254.170.2$AWS_CONTAINER_CREDENTIALS_RELATIVE_URI'] }],
        },
      }),
    ],
    noMatch: [ev('ecs', 'RegisterTaskDefinition', { requestParameters: { family: 'x', containerDefinitions: [{ name: 'c', command: ['nginx'] }] } })],
  },
  'aws_efs_fileshare_modified_or_deleted.yml': { match: [ev('elasticfilesystem', 'DeleteFileSystem')], noMatch: [ev('elasticfilesystem', 'CreateFileSystem')] },
  'aws_efs_fileshare_mount_modified_or_deleted.yml': {
    match: [ev('elasticfilesystem', 'DeleteMountTarget')],
    noMatch: [ev('elasticfilesystem', 'CreateMountTarget')],
  },
  'aws_eks_cluster_created_or_deleted.yml': { match: [ev('eks', 'CreateCluster'), ev('eks', 'DeleteCluster')], noMatch: [ev('ecs', 'CreateCluster')] },
  'aws_elasticache_security_group_created.yml': {
    match: [ev('elasticache', 'CreateCacheSecurityGroup')],
    noMatch: [ev('elasticache', 'DeleteCacheSecurityGroup')],
  },
  'aws_elasticache_security_group_modified_or_deleted.yml': {
    match: [ev('elasticache', 'AuthorizeCacheSecurityGroupIngress'), ev('elasticache', 'DeleteCacheSecurityGroup')],
    noMatch: [ev('elasticache', 'CreateCacheSecurityGroup')],
  },
  'aws_enum_buckets.yml': { match: [ev('s3', 'ListBuckets', { userIdentity: iamUser })], noMatch: [fx('otrf-security-datasets-98-ListBuckets')] },
  'aws_guardduty_disruption.yml': { match: [ev('guardduty', 'CreateIPSet')], noMatch: [ev('guardduty', 'UpdateIPSet')] },
  // The filter compares the ARN with the literal text "responseElements.accessKey.userName" (a contains on a string, not a field reference).
  'aws_iam_backdoor_users_keys.yml': {
    match: [fx('panther-analysis-184-CreateAccessKey')],
    noMatch: [ev('iam', 'CreateAccessKey', { userIdentity: { type: 'IAMUser', arn: 'x-responseElements.accessKey.userName-x' } }), ev('iam', 'CreateUser')],
  },
  'aws_iam_s3browser_loginprofile_creation.yml': {
    match: [ev('iam', 'CreateLoginProfile', { userAgent: S3_BROWSER }), ev('iam', 'GetLoginProfile', { userAgent: S3_BROWSER })],
    noMatch: [ev('iam', 'CreateLoginProfile', { userAgent: 'aws-cli/2.15.0' })],
  },
  'aws_iam_s3browser_templated_s3_bucket_policy_creation.yml': {
    match: [
      ev('iam', 'PutUserPolicy', {
        userAgent: S3_BROWSER,
        requestParameters: {
          userName: 'u',
          policyName: 'p',
          policyDocument:
            '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject"],"Resource":["arn:aws:s3:::<YOUR-BUCKET-NAME>/*"]}]}',
        },
      }),
    ],
    noMatch: [
      ev('iam', 'PutUserPolicy', {
        userAgent: S3_BROWSER,
        requestParameters: { policyDocument: '{"Statement":[{"Effect":"Deny","Action":["s3:GetObject"],"Resource":["arn:aws:s3:::<YOUR-BUCKET-NAME>/*"]}]}' },
      }),
      ev('iam', 'PutUserPolicy', {
        userAgent: S3_BROWSER,
        requestParameters: { policyDocument: '{"Statement":[{"Effect":"Allow","Action":["s3:GetObject"],"Resource":["arn:aws:s3:::real-bucket/*"]}]}' },
      }),
    ],
  },
  'aws_iam_s3browser_user_or_accesskey_creation.yml': {
    match: [ev('iam', 'CreateUser', { userAgent: S3_BROWSER }), with_(fx('panther-analysis-184-CreateAccessKey'), { userAgent: S3_BROWSER })],
    noMatch: [fx('panther-analysis-184-CreateAccessKey')],
  },
  'aws_kms_import_key_material.yml': {
    match: [ev('kms', 'ImportKeyMaterial'), ev('kms', 'DeleteImportedKeyMaterial')],
    noMatch: [fx('panther-analysis-205-DisableKey')],
  },
  'aws_lambda_function_url.yml': { match: [ev('lambda', 'CreateFunctionUrlConfig')], noMatch: [ev('lambda', 'UpdateFunctionUrlConfig')] },
  'aws_new_lambda_layer_attached.yml': {
    match: [fx('stratus-red-team-304-UpdateFunctionConfiguration20150331v2')],
    noMatch: [ev('lambda', 'UpdateFunctionConfiguration20150331v2', { requestParameters: { functionName: 'f', timeout: 30 } })],
  },
  'aws_passed_role_to_glue_development_endpoint.yml': { match: [ev('glue', 'CreateDevEndpoint')], noMatch: [ev('glue', 'GetDevEndpoint')] },
  'aws_rds_change_master_password.yml': {
    match: [fx('panther-analysis-274-ModifyDBInstance')],
    noMatch: [ev('rds', 'ModifyDBInstance', { responseElements: { pendingModifiedValues: { dBInstanceClass: 'db.t3.small' } } })],
  },
  'aws_rds_dbcluster_actions.yml': { match: [fx('panther-analysis-240-ModifyDBCluster')], noMatch: [ev('rds', 'CreateDBCluster')] },
  'aws_rds_public_db_restore.yml': {
    match: [fx('panther-analysis-277-RestoreDBInstanceFromDBSnapshot')],
    noMatch: [
      with_(fx('panther-analysis-277-RestoreDBInstanceFromDBSnapshot'), {
        responseElements: { ...(fx('panther-analysis-277-RestoreDBInstanceFromDBSnapshot').responseElements as JsonObject), publiclyAccessible: false },
      }),
    ],
  },
  'aws_root_account_usage.yml': {
    match: [fx('awsdocs-amazon-eventbridge-user-guide-1-PutRule')],
    noMatch: [fx('stratus-red-team-118-StopLogging'), ev('kms', 'RotateKey', { userIdentity: root, eventType: 'AwsServiceEvent' })],
  },
  'aws_route_53_domain_transferred_lock_disabled.yml': {
    match: [ev('route53', 'DisableDomainTransferLock')],
    noMatch: [ev('route53', 'EnableDomainTransferLock')],
  },
  'aws_route_53_domain_transferred_to_another_account.yml': {
    match: [ev('route53', 'TransferDomainToAnotherAwsAccount')],
    noMatch: [ev('route53', 'AcceptDomainTransferFromAnotherAwsAccount')],
  },
  'aws_s3_data_management_tampering.yml': {
    match: [fx('panther-analysis-351-PutBucketLogging'), ev('s3', 'RestoreObject')],
    noMatch: [ev('s3', 'GetBucketLogging')],
  },
  'aws_securityhub_finding_evasion.yml': { match: [fx('panther-analysis-396-DeleteInsight')], noMatch: [ev('securityhub', 'GetFindings')] },
  'aws_snapshot_backup_exfiltration.yml': { match: [fx('cloudtrail2sightings-15-ModifySnapshotAttribute')], noMatch: [ev('ec2', 'DescribeSnapshotAttribute')] },
  'aws_sso_idp_change.yml': {
    match: [ev('sso-directory', 'DisableExternalIdPConfigurationForDirectory'), ev('sso', 'AssociateDirectory')],
    noMatch: [ev('sso', 'ListInstances'), ev('iam', 'AssociateDirectory')],
  },
  'aws_sts_assumerole_misuse.yml': {
    match: [fx('stratus-red-team-290-SendSerialConsoleSSHPublicKey'), ev('s3', 'ListBuckets', { userIdentity: assumedRole('arn:aws:iam::1:role/app') })],
    noMatch: [fx('stratus-red-team-118-StopLogging')],
  },
  'aws_sts_getcalleridentity_trufflehog.yml': {
    match: [fx('panther-analysis-413-GetCallerIdentity')],
    noMatch: [ev('sts', 'GetCallerIdentity', { userAgent: 'aws-cli/2.15.0' })],
  },
  'aws_sts_getsessiontoken_misuse.yml': {
    match: [fx('panther-analysis-417-GetSessionToken')],
    noMatch: [ev('sts', 'GetSessionToken', { userIdentity: assumedRole('arn:aws:iam::1:role/app') })],
  },
  'aws_susp_saml_activity.yml': {
    match: [fx('panther-analysis-382-UpdateSAMLProvider'), ev('sts', 'AssumeRoleWithSAML')],
    noMatch: [ev('iam', 'CreateSAMLProvider'), ev('sts', 'AssumeRoleWithWebIdentity')],
  },
  // The filter drops a user changing their own login profile only when the caller ARN equals the requested user name verbatim.
  'aws_update_login_profile.yml': {
    match: [fx('panther-analysis-30-UpdateLoginProfile')],
    noMatch: [
      ev('iam', 'CreateLoginProfile', { requestParameters: { userName: 'alice' } }),
      ev('iam', 'UpdateLoginProfile', { userIdentity: { type: 'IAMUser', arn: 'alice' }, requestParameters: { userName: 'alice' } }),
    ],
  },
};

const ruleFiles = readdirSync(DEFAULT_SIGMA_RULE_DIR)
  .filter((f) => f.endsWith('.yml'))
  .sort();
const loaded = loadSigmaRules([{ dir: DEFAULT_SIGMA_RULE_DIR, origin: 'project' }]);

describe('rules/sigma: the project rule set', () => {
  it('holds the 57 SigmaHQ CloudTrail rules', () => {
    expect(ruleFiles).toHaveLength(57);
  });

  it('loads every rule, except exactly the ones listed as unsupported', () => {
    const rejected = Object.fromEntries(loaded.rejected.map((e) => [e.file, e.message]));
    expect(Object.keys(rejected).sort()).toEqual(Object.keys(EXPECTED_UNSUPPORTED).sort());
    expect(loaded.rules).toHaveLength(ruleFiles.length - Object.keys(EXPECTED_UNSUPPORTED).length);
    expect(new Set(loaded.rules.map((r) => r.id)).size).toBe(loaded.rules.length);
  });

  it('has a test case for every rule file', () => {
    expect(Object.keys(CASES).sort()).toEqual(ruleFiles);
    for (const [file, c] of Object.entries(CASES)) {
      expect(c.match.length, file).toBeGreaterThan(0);
      expect(c.noMatch.length, file).toBeGreaterThan(0);
    }
  });
});

describe('rules/sigma: each rule on matching and non-matching events', () => {
  for (const rule of loaded.rules) {
    it(`${rule.file} (${rule.title})`, () => {
      const c = CASES[rule.file]!;
      c.match.forEach((e, i) => expect(rule.matches(e), `match[${i}] ${String(e.eventName)}`).toBe(true));
      c.noMatch.forEach((e, i) => expect(rule.matches(e), `noMatch[${i}] ${String(e.eventName)}`).toBe(false));
    });
  }
});

describe('sigma detector', () => {
  const ctx = context({ sigmaRules: loaded.rules });

  it('raises one alert per matching rule with the rule id, level-derived severity and details', async () => {
    const raw = fx('stratus-red-team-118-StopLogging');
    const alerts = await sigmaDetector.detect(eventRecord(raw, { shard: 's1', seq: 9 }), ctx);
    const disable = loaded.rules.find((r) => r.file === 'aws_cloudtrail_disable_logging.yml')!;
    expect(alerts.map((a) => a.rule)).toEqual([disable.id]);
    expect(alerts[0]).toMatchObject({
      kind: 'sigma',
      id: `${disable.id}:${raw.eventID as string}`,
      severity: 'medium',
      principal: 'arn:aws:iam::143434273843:user/christophe',
      record: { shard: 's1', seq: 9 },
    });
    expect(alerts[0]!.details).toMatchObject({ title: disable.title, file: 'aws_cloudtrail_disable_logging.yml', origin: 'project', level: 'medium' });
  });

  it('matches the CloudTrail record inside an EventBridge envelope', async () => {
    const envelope = fixture('eventbridge/cloud-custodian-6-aws-api-call-via-cloudtrail-CreateBucket.json');
    const alerts = await sigmaDetector.detect(eventRecord(envelope), ctx);
    const root = loaded.rules.find((r) => r.file === 'aws_root_account_usage.yml')!;
    expect(alerts.map((a) => a.rule)).toContain(root.id);
    // The envelope's own fields are not the record: a rule on "detail-type" would not see them.
    expect(alerts.every((a) => a.eventId === (envelope.detail as JsonObject).eventID)).toBe(true);
  });

  it('sorts alerts by rule id and skips events that are not CloudTrail records', async () => {
    const alerts = await sigmaDetector.detect(eventRecord(fx('panther-analysis-413-GetCallerIdentity')), ctx);
    expect(alerts.length).toBeGreaterThanOrEqual(2);
    expect(alerts.map((a) => a.rule)).toEqual([...alerts.map((a) => a.rule)].sort());
    expect(await sigmaDetector.detect(eventRecord(fixture('eventbridge/awsdocs-amazon-ecs-developer-guide-2-ecs-task-state-change.json')), ctx)).toEqual([]);
  });

  it('raises nothing without rules', async () => {
    expect(await sigmaDetector.detect(eventRecord(fx('stratus-red-team-118-StopLogging')), context())).toEqual([]);
  });
});
