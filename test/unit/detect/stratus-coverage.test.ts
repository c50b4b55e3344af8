import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Alert } from '../../../lib/core/alert';
import { runDetectors } from '../../../lib/core/detect';
import { loadSigmaRules } from '../../../lib/core/detect/sigma/loader';
import type { JsonObject } from '../../../lib/core/json';
import { sigmaFolders } from '../../../lib/commit/runtime';
import { context, ct, eventRecord, fixture } from './helpers';

/**
 * The detection pack for Stratus Red Team's AWS techniques (issue 17). One
 * row per technique: the events it leaves, the alerts the built-in rules must
 * raise on them, and how the events were obtained. docs/DETECTIONS.md's table
 * is generated from this table (see the last test), so the two cannot drift.
 *
 * The events go through runDetectors with the rule folders the ingest,
 * reconcile and demo runtime loads (sigmaFolders: rules/sigma then
 * rules/immutrail) and the default detection settings (immutable scope "all",
 * no deployer principals), as a freshly deployed stack judges them.
 *
 * Reference: the AWS techniques of Stratus Red Team's documentation
 * (docs/attack-techniques/list.md, DataDog/stratus-red-team @ 2fa653e2, plus
 * the technique pages added after it: bedrock-guardrail-delete,
 * bedrock-model-invocation-logging-delete, bedrock-enumerate-models-multiple-regions,
 * ec2-deregister-ami, cognito-refresh-token-reuse, ec2-create-suspicious-keypair;
 * sagemaker-update-lifecycle-config under its current id, aws.execution.*).
 */

type Proof = 'real' | 'published' | 'reconstructed';
type Row =
  | {
      id: string;
      tactics: string;
      /** Rule keys: a Sigma rule's file name, or a detector rule id (tampering.trail). */
      rules: string[];
      events: JsonObject[];
      proof: Proof;
    }
  | {
      id: string;
      tactics: string;
      uncovered: string;
      /** What the technique leaves, in words (no events to replay, or events no rule should fire on). */
      leaves: string;
      /** Real events of the technique, when there are some: the test checks they still raise nothing but noise. */
      events?: JsonObject[];
    };

const REPO = resolve(__dirname, '../../..');
/** The same folders, in the same order, as lib/commit/runtime.ts loads for the Lambdas. Loaded once for the file. */
const loaded = loadSigmaRules(sigmaFolders({}));
const ctx = context({ sigmaRules: loaded.rules });

/** Fires on every call of an assumed-role session; never counts as coverage (see docs/DETECTIONS.md). */
const NOISY = 'aws_sts_assumerole_misuse.yml';

// Real Stratus Red Team detonation records (fixtures/*/PROVENANCE.md).
const stratus = (name: string): JsonObject => fixture(`stratus-coverage/${name}.json`);
const ctFix = (name: string): JsonObject => fixture(`cloudtrail/${name}.json`);
const gapFix = (name: string): JsonObject => fixture(`immutrail-rules/${name}.json`);

// Reconstructed events: the technique's documented API calls, in the shape of
// the real records above (an IAM user with a long-lived key, as the Stratus
// detonations ran, camelCase request fields as CloudTrail logs them).
const attacker: JsonObject = {
  type: 'IAMUser',
  principalId: 'AIDAEXAMPLEATTACKER',
  arn: 'arn:aws:iam::111122223333:user/christophe',
  accountId: '111122223333',
  accessKeyId: 'AKIAEXAMPLEATTACKER',
  userName: 'christophe',
};
const call = (service: string, eventName: string, requestParameters: JsonObject | null, extra: JsonObject = {}): JsonObject =>
  ct({
    eventSource: `${service}.amazonaws.com`,
    eventName,
    userIdentity: attacker,
    userAgent: 'stratus-red-team_00000000-0000-4000-8000-000000000000',
    requestParameters,
    eventID: `reconstructed-${eventName}`,
    ...extra,
  });
const read = { readOnly: true };

const TECHNIQUES: Row[] = [
  // --- Initial access -------------------------------------------------------
  {
    id: 'aws.initial-access.console-login-without-mfa',
    tactics: 'Initial Access',
    proof: 'real',
    events: [stratus('stratus-red-team-285-ConsoleLogin')],
    rules: ['aws_cloudtrail_console_login_success_without_mfa.yml'],
  },
  // --- Execution ------------------------------------------------------------
  {
    id: 'aws.execution.ec2-launch-unusual-instances',
    tactics: 'Execution',
    proof: 'real',
    events: [stratus('stratus-red-team-143-RunInstances')],
    rules: ['immutrail_ec2_gpu_instance_launch_denied.yml'],
  },
  {
    id: 'aws.execution.ec2-user-data',
    tactics: 'Execution, Privilege Escalation',
    proof: 'real',
    events: [ctFix('stratus-red-team-151-ModifyInstanceAttribute'), ctFix('stratus-red-team-149-StartInstances')],
    rules: ['immutrail_ec2_user_data_modified.yml', 'drift.instance', 'unsigned-launch.start-unverified'],
  },
  {
    id: 'aws.execution.sagemaker-update-lifecycle-config',
    tactics: 'Execution, Privilege Escalation',
    proof: 'reconstructed',
    events: [
      call('sagemaker', 'CreateNotebookInstanceLifecycleConfig', {
        notebookInstanceLifecycleConfigName: 'priv-esc-config',
        onStart: [{ content: 'HIDDEN_DUE_TO_SECURITY_REASONS' }],
      }),
      call('sagemaker', 'StopNotebookInstance', { notebookInstanceName: 'stratus-notebook' }),
      call('sagemaker', 'UpdateNotebookInstance', { notebookInstanceName: 'stratus-notebook', lifecycleConfigName: 'priv-esc-config' }),
      call('sagemaker', 'StartNotebookInstance', { notebookInstanceName: 'stratus-notebook' }),
    ],
    rules: ['immutrail_sagemaker_notebook_lifecycle_config_changed.yml'],
  },
  {
    id: 'aws.execution.ssm-send-command',
    tactics: 'Execution',
    proof: 'real',
    events: [stratus('stratus-red-team-207-SendCommand')],
    rules: ['drift.interactive-access', 'aws_cloudtrail_ssm_malicious_usage.yml'],
  },
  {
    id: 'aws.execution.ssm-start-session',
    tactics: 'Execution',
    proof: 'real',
    events: [ctFix('stratus-red-team-261-StartSession')],
    rules: ['drift.interactive-access'],
  },
  // --- Persistence ----------------------------------------------------------
  {
    id: 'aws.persistence.iam-backdoor-role',
    tactics: 'Persistence',
    proof: 'real',
    events: [ctFix('stratus-red-team-293-UpdateAssumeRolePolicy')],
    rules: ['drift.iam-policy'],
  },
  {
    id: 'aws.persistence.iam-backdoor-user',
    tactics: 'Persistence, Privilege Escalation',
    proof: 'real',
    events: [stratus('stratus-red-team-294-CreateAccessKey')],
    rules: ['aws_iam_backdoor_users_keys.yml'],
  },
  {
    id: 'aws.persistence.iam-create-admin-user',
    tactics: 'Persistence, Privilege Escalation',
    proof: 'real',
    events: [stratus('stratus-red-team-297-CreateUser'), stratus('stratus-red-team-295-AttachUserPolicy'), stratus('stratus-red-team-296-CreateAccessKey')],
    rules: ['drift.iam-policy', 'aws_iam_backdoor_users_keys.yml'],
  },
  {
    id: 'aws.persistence.iam-create-backdoor-role',
    tactics: 'Persistence',
    proof: 'real',
    events: [stratus('stratus-red-team-299-CreateRole'), ctFix('stratus-red-team-298-AttachRolePolicy')],
    rules: ['drift.iam-policy'],
  },
  {
    id: 'aws.persistence.iam-create-user-login-profile',
    tactics: 'Persistence, Privilege Escalation',
    proof: 'real',
    events: [gapFix('stratus-red-team-302-CreateLoginProfile')],
    rules: ['immutrail_iam_login_profile_created_for_other_user.yml'],
  },
  {
    id: 'aws.persistence.lambda-backdoor-function',
    tactics: 'Persistence',
    proof: 'real',
    events: [stratus('stratus-red-team-303-AddPermission20150331v2')],
    rules: ['immutrail_lambda_function_policy_allows_anyone.yml', 'drift.lambda'],
  },
  {
    id: 'aws.persistence.lambda-layer-extension',
    tactics: 'Persistence, Privilege Escalation',
    proof: 'real',
    events: [ctFix('stratus-red-team-304-UpdateFunctionConfiguration20150331v2')],
    rules: ['aws_new_lambda_layer_attached.yml', 'drift.lambda'],
  },
  {
    id: 'aws.persistence.lambda-overwrite-code',
    tactics: 'Persistence',
    proof: 'real',
    events: [ctFix('stratus-red-team-305-UpdateFunctionCode20150331v2')],
    rules: ['unsigned-launch.lambda-code', 'drift.lambda'],
  },
  {
    id: 'aws.persistence.rolesanywhere-create-trust-anchor',
    tactics: 'Persistence, Privilege Escalation',
    proof: 'real',
    events: [gapFix('stratus-red-team-306-CreateTrustAnchor'), gapFix('stratus-red-team-307-CreateProfile')],
    rules: ['immutrail_rolesanywhere_trust_anchor_or_profile_created.yml'],
  },
  {
    id: 'aws.persistence.sts-federation-token',
    tactics: 'Persistence',
    proof: 'real',
    events: [stratus('stratus-red-team-308-GetFederationToken')],
    rules: ['immutrail_sts_get_federation_token.yml'],
  },
  {
    id: 'aws.persistence.ec2-create-suspicious-keypair',
    tactics: 'Persistence',
    proof: 'reconstructed',
    events: [
      call('ec2', 'DescribeInstances', { instancesSet: {}, filterSet: { items: [{ name: 'key-name', valueSet: { items: [{ value: 'xg1' }] } }] } }, read),
      call(
        'ec2',
        'CreateKeyPair',
        { keyName: 'xg1', keyType: 'rsa', keyFormat: 'pem' },
        {
          responseElements: {
            keyName: 'xg1',
            keyFingerprint: 'HIDDEN_DUE_TO_SECURITY_REASONS',
            keyMaterial: 'HIDDEN_DUE_TO_SECURITY_REASONS',
            keyPairId: 'key-0123456789abcdef0',
          },
        },
      ),
    ],
    rules: ['immutrail_ec2_known_malicious_key_pair_name.yml'],
  },
  {
    id: 'aws.persistence.cognito-refresh-token-reuse',
    tactics: 'Persistence',
    uncovered:
      "Every legitimate client exchanges refresh tokens the same way; telling a stolen token from its owner needs the client's usual IP and user agent, which a per-event rule does not have.",
    leaves: '`cognito-idp:GetTokensFromRefreshToken` (unauthenticated user-pool call)',
  },
  // --- Privilege escalation -------------------------------------------------
  {
    id: 'aws.privilege-escalation.iam-update-user-login-profile',
    tactics: 'Privilege Escalation',
    proof: 'real',
    events: [stratus('stratus-red-team-310-UpdateLoginProfile')],
    rules: ['aws_update_login_profile.yml'],
  },
  // --- Defense evasion ------------------------------------------------------
  {
    id: 'aws.defense-evasion.cloudtrail-delete',
    tactics: 'Defense Evasion',
    proof: 'real',
    events: [ctFix('stratus-red-team-116-DeleteTrail')],
    rules: ['tampering.trail', 'aws_cloudtrail_disable_logging.yml'],
  },
  {
    id: 'aws.defense-evasion.cloudtrail-event-selectors',
    tactics: 'Defense Evasion',
    proof: 'real',
    events: [ctFix('stratus-red-team-117-PutEventSelectors')],
    rules: ['tampering.trail'],
  },
  {
    id: 'aws.defense-evasion.cloudtrail-lifecycle-rule',
    tactics: 'Defense Evasion',
    proof: 'published',
    events: [ctFix('panther-analysis-43-PutBucketLifecycle')],
    rules: ['immutrail_s3_short_lifecycle_expiration.yml'],
  },
  {
    id: 'aws.defense-evasion.cloudtrail-stop',
    tactics: 'Defense Evasion',
    proof: 'real',
    events: [ctFix('stratus-red-team-118-StopLogging')],
    rules: ['tampering.trail', 'aws_cloudtrail_disable_logging.yml'],
  },
  {
    id: 'aws.defense-evasion.dns-delete-logs',
    tactics: 'Defense Evasion',
    proof: 'real',
    events: [stratus('stratus-red-team-119-DeleteResolverQueryLogConfig')],
    rules: ['immutrail_route53resolver_query_logging_deleted.yml'],
  },
  {
    id: 'aws.defense-evasion.organizations-leave',
    tactics: 'Defense Evasion',
    proof: 'real',
    events: [gapFix('stratus-red-team-121-LeaveOrganization')],
    rules: ['immutrail_organizations_leave_organization.yml'],
  },
  {
    id: 'aws.defense-evasion.vpc-remove-flow-logs',
    tactics: 'Defense Evasion',
    proof: 'real',
    events: [ctFix('stratus-red-team-123-DeleteFlowLogs')],
    rules: ['aws_cloudtrail_vpc_flow_logs_deleted.yml'],
  },
  {
    id: 'aws.defense-evasion.bedrock-guardrail-delete',
    tactics: 'Defense Evasion',
    proof: 'published',
    events: [ctFix('panther-analysis-18-DeleteGuardrail')],
    rules: ['aws_cloudtrail_bedrock_guardrail_deleted.yml'],
  },
  {
    id: 'aws.defense-evasion.bedrock-model-invocation-logging-delete',
    tactics: 'Defense Evasion',
    proof: 'reconstructed',
    events: [call('bedrock', 'DeleteModelInvocationLoggingConfiguration', null, { awsRegion: 'ca-central-1' })],
    rules: ['immutrail_bedrock_invocation_logging_deleted.yml'],
  },
  // --- Credential access ----------------------------------------------------
  {
    id: 'aws.credential-access.ec2-get-password-data',
    tactics: 'Credential Access',
    proof: 'real',
    events: [stratus('stratus-red-team-1-GetPasswordData')],
    rules: ['immutrail_ec2_password_data_denied.yml'],
  },
  {
    id: 'aws.credential-access.ec2-steal-instance-credentials',
    tactics: 'Credential Access',
    proof: 'real',
    events: [ctFix('stratus-red-team-35-SendCommand')],
    rules: ['drift.interactive-access', 'aws_cloudtrail_ssm_malicious_usage.yml'],
  },
  {
    id: 'aws.credential-access.secretsmanager-batch-retrieve-secrets',
    tactics: 'Credential Access',
    proof: 'real',
    events: [stratus('stratus-red-team-80-BatchGetSecretValue')],
    rules: ['immutrail_secretsmanager_batch_get_by_filter.yml'],
  },
  {
    id: 'aws.credential-access.secretsmanager-retrieve-secrets',
    tactics: 'Credential Access',
    uncovered:
      'Only the volume is suspicious (dozens of GetSecretValue by one principal in minutes); one read is routine. Needs a count per principal over a window, and the Sigma engine rejects aggregations. Read-only events: captured only with read-only capture on.',
    leaves: '`secretsmanager:ListSecrets`, many `secretsmanager:GetSecretValue`',
    events: [stratus('stratus-red-team-85-GetSecretValue')],
  },
  {
    id: 'aws.credential-access.ssm-retrieve-securestring-parameters',
    tactics: 'Credential Access',
    uncovered: 'Same as above: many `GetParameters` with decryption by one principal; one call is routine. Needs aggregation.',
    leaves: '`ssm:DescribeParameters`, many `ssm:GetParameters` (withDecryption)',
    events: [stratus('stratus-red-team-108-GetParameters')],
  },
  // --- Discovery ------------------------------------------------------------
  {
    id: 'aws.discovery.ec2-enumerate-from-instance',
    tactics: 'Discovery',
    uncovered:
      'Read-only List/Describe/Get calls made with an instance role, each routine on its own; needs aggregation or a per-role baseline. Read-only capture must be on to see them at all.',
    leaves: 'read-only calls (`sts:GetCallerIdentity`, `s3:ListBuckets`, `iam:GetAccountSummary`, `ec2:DescribeSnapshots`, ...) by an instance role',
  },
  {
    id: 'aws.discovery.ec2-download-user-data',
    tactics: 'Discovery',
    proof: 'real',
    events: [stratus('stratus-red-team-124-DescribeInstanceAttribute')],
    rules: ['immutrail_ec2_user_data_read_denied.yml'],
  },
  {
    id: 'aws.discovery.ses-enumerate',
    tactics: 'Discovery',
    proof: 'reconstructed',
    events: [call('ses', 'GetAccountSendingEnabled', null, read), call('ses', 'GetSendQuota', null, read), call('ses', 'ListIdentities', null, read)],
    rules: ['immutrail_ses_sending_status_enumerated.yml'],
  },
  {
    id: 'aws.discovery.bedrock-enumerate-models-multiple-regions',
    tactics: 'Discovery',
    uncovered: 'One `InvokeModel` is routine for any Bedrock user; the signal is the same probe across many regions, which needs aggregation.',
    leaves: '`bedrock:InvokeModel` (failing validation) in several regions',
  },
  // --- Lateral movement -----------------------------------------------------
  {
    id: 'aws.lateral-movement.ec2-serial-console-send-ssh-public-key',
    tactics: 'Lateral Movement',
    proof: 'real',
    events: [ctFix('stratus-red-team-289-EnableSerialConsoleAccess'), ctFix('stratus-red-team-290-SendSerialConsoleSSHPublicKey')],
    rules: ['drift.interactive-access'],
  },
  {
    id: 'aws.lateral-movement.ec2-instance-connect',
    tactics: 'Lateral Movement',
    proof: 'real',
    events: [ctFix('stratus-red-team-286-SendSSHPublicKey')],
    rules: ['drift.interactive-access'],
  },
  // --- Exfiltration ---------------------------------------------------------
  {
    id: 'aws.exfiltration.ec2-security-group-open-port-22-ingress',
    tactics: 'Exfiltration',
    proof: 'real',
    events: [ctFix('stratus-red-team-266-AuthorizeSecurityGroupIngress')],
    rules: ['drift.security-group', 'aws_cloudtrail_security_group_change_ingress_egress.yml'],
  },
  {
    id: 'aws.exfiltration.ec2-share-ami',
    tactics: 'Exfiltration',
    proof: 'real',
    events: [ctFix('stratus-red-team-267-ModifyImageAttribute')],
    rules: ['foreign-account.share', 'drift.image-sharing'],
  },
  {
    id: 'aws.exfiltration.ec2-share-ebs-snapshot',
    tactics: 'Exfiltration',
    proof: 'real',
    events: [gapFix('stratus-red-team-268-ModifySnapshotAttribute')],
    rules: ['foreign-account.share', 'drift.image-sharing'],
  },
  {
    id: 'aws.exfiltration.rds-share-snapshot',
    tactics: 'Exfiltration',
    proof: 'real',
    events: [gapFix('stratus-red-team-269-ModifyDBSnapshotAttribute')],
    rules: ['foreign-account.share'],
  },
  {
    id: 'aws.exfiltration.s3-backdoor-bucket-policy',
    tactics: 'Exfiltration',
    proof: 'reconstructed',
    events: [
      call('s3', 'PutBucketPolicy', {
        bucketName: 'stratus-red-team-bucket',
        Host: 'stratus-red-team-bucket.s3.us-east-1.amazonaws.com',
        policy: '',
        bucketPolicy: {
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Principal: { AWS: 'arn:aws:iam::193672423079:root' },
              Action: ['s3:GetObject', 's3:GetBucketLocation', 's3:ListBucket'],
              Resource: ['arn:aws:s3:::stratus-red-team-bucket/*', 'arn:aws:s3:::stratus-red-team-bucket'],
            },
          ],
        },
      }),
    ],
    rules: ['immutrail_s3_bucket_policy_grants_account_or_public.yml'],
  },
  // --- Impact ---------------------------------------------------------------
  {
    id: 'aws.impact.bedrock-invoke-model',
    tactics: 'Impact',
    proof: 'real',
    events: [
      stratus('stratus-red-team-270-PutFoundationModelEntitlement'),
      stratus('stratus-red-team-271-PutUseCaseForModelAccess'),
      stratus('stratus-red-team-279-CreateFoundationModelAgreement'),
    ],
    rules: ['immutrail_bedrock_model_access_enabled.yml'],
  },
  {
    id: 'aws.impact.ec2-deregister-ami',
    tactics: 'Impact',
    proof: 'reconstructed',
    events: [call('ec2', 'DeregisterImage', { imageId: 'ami-0b87ea1d007078d18', deleteAssociatedSnapshots: false }, { responseElements: { _return: true } })],
    rules: ['immutrail_ec2_ami_deregistered.yml'],
  },
  {
    id: 'aws.impact.s3-ransomware-batch-deletion',
    tactics: 'Impact',
    uncovered: 'S3 data events only (object-level calls); immutrail captures management events.',
    leaves: '`s3:ListObjectVersions`, `s3:DeleteObjects` (data events)',
  },
  {
    id: 'aws.impact.s3-ransomware-client-side-encryption',
    tactics: 'Impact',
    uncovered: 'S3 data events only (object-level calls); immutrail captures management events.',
    leaves: '`s3:GetObject`, `s3:PutObject` with SSE-C, ransom note `s3:PutObject` (data events)',
  },
  {
    id: 'aws.impact.s3-ransomware-individual-deletion',
    tactics: 'Impact',
    uncovered: 'S3 data events only (object-level calls); immutrail captures management events.',
    leaves: '`s3:ListObjectVersions`, many `s3:DeleteObject` (data events)',
  },
];

/** Rule keys an alert stands for: Sigma alerts by their rule file, the others by their rule id. */
const keyOf = (a: Alert): string => (a.kind === 'sigma' ? String((a.details as { file: string }).file) : a.rule);
async function fired(events: JsonObject[]): Promise<Set<string>> {
  const keys = new Set<string>();
  for (const raw of events) for (const a of await runDetectors(eventRecord(raw), ctx)) keys.add(keyOf(a));
  return keys;
}

describe('Stratus Red Team AWS techniques: the table', () => {
  it('lists each technique once, under its current id', () => {
    const ids = TECHNIQUES.map((t) => t.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^aws\.[a-z-]+\.[a-z0-9-]+$/);
    expect(ids.length).toBe(49);
  });

  it('loads every rule folder the Lambdas load, with no rejects', () => {
    expect(loaded.rejected.map((e) => e.message)).toEqual([]);
    expect(loaded.rules.some((r) => r.file.startsWith('immutrail_'))).toBe(true);
  });

  it('never counts the noisy AssumeRole rule as coverage', () => {
    for (const t of TECHNIQUES) if ('rules' in t) expect(t.rules, t.id).not.toContain(NOISY);
  });
});

describe('Stratus Red Team AWS techniques: each covered one raises its alerts', () => {
  for (const t of TECHNIQUES) {
    if (!('rules' in t)) continue;
    it(`${t.id} (${t.proof} events)`, async () => {
      const keys = await fired(t.events);
      for (const rule of t.rules) expect([...keys], `${t.id} should raise ${rule}`).toContain(rule);
    });
  }
});

describe('Stratus Red Team AWS techniques: the uncovered ones stay honest', () => {
  for (const t of TECHNIQUES) {
    if ('rules' in t || !t.events) continue;
    it(`${t.id}: its real events raise nothing but the noisy AssumeRole rule (update the table if a rule now fires)`, async () => {
      const keys = [...(await fired(t.events!))].filter((k) => k !== NOISY);
      expect(keys).toEqual([]);
    });
  }
});

// Routine calls next to each new rule: they must not raise it.
const NEAR_MISSES: [rule: string, what: string, event: JsonObject][] = [
  ['immutrail_ec2_password_data_denied.yml', 'GetPasswordData that succeeds', call('ec2', 'GetPasswordData', { instanceId: 'i-0abc' }, read)],
  [
    'immutrail_ec2_user_data_read_denied.yml',
    'user data read that succeeds',
    call('ec2', 'DescribeInstanceAttribute', { attribute: 'userData', instanceId: 'i-0abc' }, read),
  ],
  [
    'immutrail_ec2_user_data_read_denied.yml',
    'another attribute, denied',
    call('ec2', 'DescribeInstanceAttribute', { attribute: 'instanceType', instanceId: 'i-0abc' }, { ...read, errorCode: 'Client.UnauthorizedOperation' }),
  ],
  [
    'immutrail_ec2_user_data_modified.yml',
    'instance type changed',
    call('ec2', 'ModifyInstanceAttribute', { instanceId: 'i-0abc', instanceType: { value: 't3.large' } }),
  ],
  [
    'immutrail_secretsmanager_batch_get_by_filter.yml',
    'secrets named by id',
    call('secretsmanager', 'BatchGetSecretValue', { secretIdList: ['app/db', 'app/api'] }, read),
  ],
  [
    'immutrail_route53resolver_query_logging_deleted.yml',
    'query logging created',
    call('route53resolver', 'CreateResolverQueryLogConfig', { name: 'vpc-dns', destinationArn: 'arn:aws:s3:::dns-logs' }),
  ],
  [
    'immutrail_bedrock_invocation_logging_deleted.yml',
    'invocation logging configured',
    call('bedrock', 'PutModelInvocationLoggingConfiguration', { loggingConfig: { textDataDeliveryEnabled: true } }),
  ],
  [
    'immutrail_s3_short_lifecycle_expiration.yml',
    'a year of retention',
    call('s3', 'PutBucketLifecycle', {
      bucketName: 'logs',
      LifecycleConfiguration: { Rule: { ID: 'keep-a-year', Status: 'Enabled', Filter: { Prefix: '' }, Expiration: { Days: 365 } } },
    }),
  ],
  [
    'immutrail_s3_short_lifecycle_expiration.yml',
    'a one-day rule left disabled',
    call('s3', 'PutBucketLifecycle', {
      bucketName: 'logs',
      LifecycleConfiguration: { Rule: { ID: 'draft', Status: 'Disabled', Filter: { Prefix: '' }, Expiration: { Days: 1 } } },
    }),
  ],
  [
    'immutrail_s3_bucket_policy_grants_account_or_public.yml',
    'grant to one role',
    call('s3', 'PutBucketPolicy', {
      bucketName: 'b',
      bucketPolicy: {
        Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::444455556666:role/reader' }, Action: 's3:GetObject', Resource: 'arn:aws:s3:::b/*' }],
      },
    }),
  ],
  [
    'immutrail_s3_bucket_policy_grants_account_or_public.yml',
    'CloudTrail writing its logs',
    call('s3', 'PutBucketPolicy', {
      bucketName: 'trail',
      bucketPolicy: {
        Statement: [{ Effect: 'Allow', Principal: { Service: 'cloudtrail.amazonaws.com' }, Action: 's3:PutObject', Resource: 'arn:aws:s3:::trail/AWSLogs/*' }],
      },
    }),
  ],
  [
    'immutrail_ec2_gpu_instance_launch_denied.yml',
    'GPU launch that succeeds',
    call('ec2', 'RunInstances', { instanceType: 'p3.2xlarge', instancesSet: { items: [{ imageId: 'ami-0abc', minCount: 1, maxCount: 1 }] } }),
  ],
  [
    'immutrail_ec2_gpu_instance_launch_denied.yml',
    'general-purpose launch denied',
    call(
      'ec2',
      'RunInstances',
      { instanceType: 't3.micro', instancesSet: { items: [{ imageId: 'ami-0abc', minCount: 1, maxCount: 1 }] } },
      { errorCode: 'Client.UnauthorizedOperation' },
    ),
  ],
  [
    'immutrail_ec2_gpu_instance_launch_denied.yml',
    'graviton (g-suffixed family) denied',
    call(
      'ec2',
      'RunInstances',
      { instanceType: 'm6g.large', instancesSet: { items: [{ imageId: 'ami-0abc', minCount: 1, maxCount: 1 }] } },
      { errorCode: 'Client.UnauthorizedOperation' },
    ),
  ],
  [
    'immutrail_sagemaker_notebook_lifecycle_config_changed.yml',
    'lifecycle configuration detached',
    call('sagemaker', 'UpdateNotebookInstance', { notebookInstanceName: 'nb', lifecycleConfigName: '' }),
  ],
  [
    'immutrail_sagemaker_notebook_lifecycle_config_changed.yml',
    'notebook resized',
    call('sagemaker', 'UpdateNotebookInstance', { notebookInstanceName: 'nb', instanceType: 'ml.t3.large' }),
  ],
  ['immutrail_ses_sending_status_enumerated.yml', 'an application sending mail', call('ses', 'SendEmail', { source: 'noreply@example.com' })],
  ['immutrail_ses_sending_status_enumerated.yml', 'quota monitoring', call('ses', 'GetSendQuota', null, read)],
  ['immutrail_bedrock_model_access_enabled.yml', 'listing models', call('bedrock', 'ListFoundationModels', null, read)],
  ['immutrail_sts_get_federation_token.yml', 'GetSessionToken (its own SigmaHQ rule)', ctFix('panther-analysis-417-GetSessionToken')],
  ['immutrail_ec2_known_malicious_key_pair_name.yml', 'an ordinary key name', call('ec2', 'CreateKeyPair', { keyName: 'deploy-2024', keyType: 'ed25519' })],
  ['immutrail_ec2_ami_deregistered.yml', 'an AMI registered', call('ec2', 'RegisterImage', { name: 'golden-2024-08' })],
  [
    'immutrail_lambda_function_policy_allows_anyone.yml',
    'S3 allowed to invoke',
    call('lambda', 'AddPermission20150331v2', { functionName: 'f', principal: 's3.amazonaws.com', action: 'lambda:InvokeFunction', statementId: 's3' }),
  ],
  [
    'immutrail_lambda_function_policy_allows_anyone.yml',
    'one account allowed to invoke',
    call('lambda', 'AddPermission20150331v2', { functionName: 'f', principal: '444455556666', action: 'lambda:InvokeFunction', statementId: 'acct' }),
  ],
];

describe('the rules added for the pack do not fire on routine calls next to them', () => {
  it('every rule the pack added has near misses', () => {
    const added = new Set(TECHNIQUES.flatMap((t) => ('rules' in t ? t.rules : [])).filter((r) => r.startsWith('immutrail_')));
    const tried = new Set(NEAR_MISSES.map(([r]) => r));
    const gapRules = [...added].filter((r) => !tried.has(r));
    // The gap rules have their near misses in immutrail-rules.test.ts.
    expect(gapRules.sort()).toEqual([
      'immutrail_iam_login_profile_created_for_other_user.yml',
      'immutrail_organizations_leave_organization.yml',
      'immutrail_rolesanywhere_trust_anchor_or_profile_created.yml',
    ]);
  });
  for (const [rule, what, raw] of NEAR_MISSES) {
    it(`${rule}: not on ${what}`, async () => {
      expect([...(await fired([raw]))]).not.toContain(rule);
    });
  }
});

// --- docs/DETECTIONS.md --------------------------------------------------------

const DOC = join(REPO, 'docs/DETECTIONS.md');
const START = '<!-- stratus-table:start (generated by test/unit/detect/stratus-coverage.test.ts) -->';
const END = '<!-- stratus-table:end -->';
const PROOF: Record<Proof, string> = {
  real: 'yes, real events (Stratus Red Team detonation log)',
  published: 'yes, a published sample event (Panther rule test)',
  reconstructed: 'yes, reconstructed events (from the documented API calls)',
};

function ruleLabel(key: string): string {
  const rule = loaded.rules.find((r) => r.file === key);
  if (rule) return `${rule.title} (\`${key}\`)`;
  const prefix = key.split('.')[0]!;
  // Detector rule ids start with a short name of their detector (tampering.trail: auditor-tampering).
  const detector = prefix === 'tampering' ? 'auditor-tampering' : prefix;
  return `\`${key}\` (${detector} detector)`;
}

function leaves(events: JsonObject[]): string {
  const seen = new Set<string>();
  for (const e of events) {
    const name = `${String(e.eventSource).replace(/\.amazonaws\.com$/, '')}:${String(e.eventName)}`;
    seen.add(e.errorCode ? `${name} (${String(e.errorCode)})` : name);
  }
  return [...seen].map((n) => `\`${n}\``).join(', ');
}

function detectionsTable(): string {
  const lines = ['| Technique (ATT&CK tactic) | Events it leaves | Rule(s) that fire | Proven by a test |', '|---|---|---|---|'];
  for (const t of TECHNIQUES) {
    const head = `\`${t.id}\` (${t.tactics})`;
    if ('rules' in t) lines.push(`| ${head} | ${leaves(t.events)} | ${t.rules.map(ruleLabel).join('; ')} | ${PROOF[t.proof]} |`);
    else lines.push(`| ${head} | ${t.leaves} | none | uncovered: ${t.uncovered} |`);
  }
  return lines.join('\n');
}

describe('docs/DETECTIONS.md', () => {
  it('holds the table generated from this file (IMMUTRAIL_WRITE_DETECTIONS=1 rewrites it)', () => {
    const doc = readFileSync(DOC, 'utf8');
    const start = doc.indexOf(START);
    const end = doc.indexOf(END);
    expect(start, 'table start marker').toBeGreaterThan(-1);
    expect(end, 'table end marker').toBeGreaterThan(start);
    const expected = `${START}\n${detectionsTable()}\n${END}`;
    if (process.env.IMMUTRAIL_WRITE_DETECTIONS === '1') {
      writeFileSync(DOC, doc.slice(0, start) + expected + doc.slice(end + END.length));
      return;
    }
    expect(doc.slice(start, end + END.length)).toBe(expected);
  });
});
