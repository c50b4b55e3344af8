import { randomUUID } from 'node:crypto';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { KMSClient } from '@aws-sdk/client-kms';
import { type BucketLocationConstraint, CreateBucketCommand, PutBucketNotificationConfigurationCommand, S3Client } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { createArchiveBucket } from '../aws/archive-bucket-setup';
import { clientConfig, type AwsTarget } from '../aws/client-config';
import { ENV } from '../contract/runtime-config';
import { STAGING_LIVE_PREFIX } from '../construct/objects-pattern';
import type { ImmutableScopeInput } from '../construct/audit-trail-props';
import { subscribeAlertInbox } from './alert-inbox';
import { type KeyCreatedBySdk, createAsymmetricKeys } from './asymmetric-keys';
import { createStackAndWait, type DeployedStack } from './cfn-deploy';
import type { CfnTemplate } from './cfn-template';
import { LocalDeployError } from './deploy-errors';
import { serviceAttributeReader } from './deployed-attributes';
import { type DeployedRules, checkDeployedRules } from './deployed-rules';
import { type TemplateResourceRef, countByType, resourcesNotCreated, withResourceReplaced } from './emulator-template';
import { type TemplateAdaptation, adaptTemplateForMoto } from './moto-adaptations';
import { ensureBucket, localAssetsBucket, uploadCodePlaceholders, uploadTemplate } from './local-assets';
import type { LocalStack, ProvisionOptions } from './provision';
import type { SynthesizedLocalStack } from './synth-local-stack';
import { type DeployedResource, type DeployedScope, resolveTemplateMap } from './resolve-deployed';

export interface DeployOptions extends ProvisionOptions {
  /** One line per step: what was done, what the emulator could not do and what was done instead. */
  onStep?: (line: string) => void;
  /** The construct's deployerPrincipals (role ARNs or globs allowed to change infrastructure). */
  deployerPrincipals?: readonly string[];
  /** KMS key ARNs whose attestations are trusted (the construct's attestationKeys). */
  attestationKeyArns?: readonly string[];
  immutableScope?: ImmutableScopeInput;
  /**
   * The archive bucket's policy. 'unconditional-only' puts the stack's deny
   * statements that carry no Condition (deletion, governance bypass, lock
   * and lifecycle changes), which moto enforces faithfully; the conditional
   * ones are left out because moto reads every Condition as a denial.
   * @default 'unconditional-only'
   */
  archivePolicy?: 'unconditional-only' | 'none';
  /** @default 120000 */
  stackTimeoutMs?: number;
  /**
   * The trail lane: the bucket the trail's log files arrive in (created here
   * if it does not exist) and their key prefix. The stack is synthesized with
   * them (trailBucketName, trailPrefix): the objects rule then matches new log
   * files too, and reconcile is deployed.
   */
  trailBucket?: string;
  trailPrefix?: string;
  /**
   * The trail bucket belongs to this other account (an organization's log
   * archive): it must exist already, and its notifications are that account's
   * to set, so the caller announces its log files (moto does not deliver an
   * S3 notification to a queue of another account). The stack is synthesized
   * with trailBucketAccount.
   */
  trailBucketAccount?: string;
  /**
   * Turn on the staging (and trail) bucket's S3 -> EventBridge notifications
   * through the S3 API. moto's CloudFormation ignores the bucket's
   * NotificationConfiguration; set through the API, moto does send "Object
   * Created" for each new object to EventBridge, and the objects rule puts it
   * on the objects queue, as in the cloud. Off, the caller sends the
   * notification itself.
   * @default false
   */
  objectNotifications?: boolean;
}

export interface DeployTimings {
  synthMs: number;
  uploadMs: number;
  createStackMs: number;
  totalMs: number;
}

/** A LocalStack deployed from the synthesized template, with what the deployment found out. */
export interface DeployedLocalStack extends LocalStack {
  stackName: string;
  stackId: string;
  outputs: Readonly<Record<string, string>>;
  timings: DeployTimings;
  /** Template keys created through KMS instead (asymmetric keys: moto's CloudFormation makes every key symmetric). */
  keysCreatedBySdk: readonly KeyCreatedBySdk[];
  /** Changes made to the template for the emulator (moto-adaptations.ts). */
  adaptations: readonly TemplateAdaptation[];
  /** In the deployed template, but not created by the emulator's CloudFormation. */
  notCreated: readonly TemplateResourceRef[];
  /** The capture rules and the objects rule as deployed, checked against the template. */
  rules: DeployedRules;
  /** The trail lane's bucket and prefix, when deployed with one. */
  trailBucket?: string;
  trailPrefix?: string;
}

/** The stack outputs a local stack is described by (lib/immutrail-stack.ts). */
const REQUIRED_OUTPUTS = [
  'ArchiveBucketName',
  'TableName',
  'SigningKeyArn',
  'AlertTopicArn',
  'IngestQueueUrl',
  'DeadLetterQueueUrl',
  'StagingBucketName',
  'Origin',
] as const;

/** Lower case, so that `<name>-archive` is a valid bucket name; short enough for every derived name. */
const NAME_PATTERN = /^[a-z][a-z0-9-]{0,39}$/;

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** The trail configuration as CDK context (lib/construct/context-props.ts), i.e. `cdk deploy -c ...`. */
function trailContext(opts: DeployOptions, archiveBucket: string, retentionDays: number): Record<string, unknown> {
  return {
    archiveBucketName: archiveBucket,
    retentionDays,
    ...(opts.shards ? { shards: opts.shards } : {}),
    ...(opts.capture
      ? {
          captureReadOnlyApiCalls: opts.capture.captureReadOnlyApiCalls,
          ...(opts.capture.apiCallSources ? { apiCallSources: [...opts.capture.apiCallSources] } : {}),
        }
      : {}),
    ...(opts.deployerPrincipals ? { deployerPrincipals: [...opts.deployerPrincipals] } : {}),
    ...(opts.attestationKeyArns?.length ? { attestationKeyArns: [...opts.attestationKeyArns] } : {}),
    ...(opts.immutableScope ? { immutableScope: opts.immutableScope } : {}),
    ...(opts.trailBucket ? { trailBucketName: opts.trailBucket, trailPrefix: opts.trailPrefix ?? '' } : {}),
    ...(opts.trailBucketAccount ? { trailBucketAccount: opts.trailBucketAccount } : {}),
  };
}

/** arn:<partition>:cloudformation:<region>:<account>:stack/<name>/<id> */
function stackArnParts(stackId: string): { partition: string; accountId: string } {
  const parts = stackId.split(':');
  if (parts.length < 6 || parts[0] !== 'arn') {
    throw new LocalDeployError('UNRESOLVABLE_VALUE', `stack id ${stackId} is not an ARN`);
  }
  return { partition: parts[1], accountId: parts[4] };
}

/**
 * Deploys immutrail on moto from the stack's own synthesized template
 * (CloudFormation CreateStack from the template uploaded to S3), creating
 * through the SDK only what moto's CloudFormation gets wrong: the Object Lock
 * archive bucket (it ignores ObjectLockConfiguration; the stack imports the
 * bucket through its archiveBucketName context) and asymmetric KMS keys (it
 * makes every key symmetric; the SDK key takes the template resource's place).
 * The template changes moto needs are in moto-adaptations.ts (among them: no
 * Firehose stream, so the caller writes the live lane's staged objects into
 * the staging bucket itself), and what moto silently skipped is listed after
 * the deployment; all of it goes to `onStep`. The staging bucket, the objects
 * queue and the objects rule come from the template. The handlers'
 * environment is the ingest function's environment in the deployed template,
 * resolved against the deployed resources, so handlers run in-process with
 * exactly the stack's configuration.
 */
export async function deployLocalStack(target: AwsTarget, opts: DeployOptions = {}): Promise<DeployedLocalStack> {
  const started = Date.now();
  const step = opts.onStep ?? (() => {});
  const name = opts.name ?? `immutrail-${randomUUID().slice(0, 8)}`;
  if (!NAME_PATTERN.test(name)) {
    throw new LocalDeployError('INVALID_NAME', `stack name "${name}" must be 1-40 of a-z, 0-9 and -, starting with a letter`);
  }
  const retentionDays = opts.retentionDays ?? 1;
  const objectLock = opts.objectLock ?? true;
  const cfg = clientConfig(target);
  const s3 = new S3Client(cfg);
  const sqs = new SQSClient(cfg);

  const archiveBucket = `${name}-archive`;
  // Synthesis first: a configuration error fails before anything is created.
  const { synth, synthMs, assetsBucket } = await synthesize(target, name, trailContext(opts, archiveBucket, retentionDays), step);
  await createArchive(s3, target, { archiveBucket, retentionDays, objectLock, policy: opts.archivePolicy ?? 'unconditional-only' }, step);
  if (opts.trailBucket && !opts.trailBucketAccount) {
    await ensureBucket(s3, opts.trailBucket, target.region);
    step(`trail bucket ${opts.trailBucket} ready (prefix "${opts.trailPrefix ?? ''}"): its new log files are ingested through the objects rule`);
  }
  const { template, adaptations, keysCreatedBySdk } = await templateForMoto(new KMSClient(cfg), synth.template, step);
  const created = await uploadAndCreate(
    s3,
    new CloudFormationClient(cfg),
    { target, name, assetsBucket, template, synth, timeoutMs: opts.stackTimeoutMs ?? 120_000 },
    step,
  );
  const { stack, notCreated } = created;

  const missing = REQUIRED_OUTPUTS.filter((k) => stack.outputs[k] === undefined);
  if (missing.length > 0) throw new LocalDeployError('MISSING_OUTPUT', `stack ${name} has no output ${missing.join(', ')}`);
  const out = stack.outputs;

  const scope = deployedScope(target, name, stack);
  const env = await handlerEnvironmentOf(template, synth.ingestFunctionId, scope, { ...opts, objectLock }, step);
  const objectsQueueArn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: out.IngestQueueUrl, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
  const rules = await checkDeployedRules(new EventBridgeClient(cfg), template, scope, objectsQueueArn);
  step(
    `${rules.captureRules.length} capture rules deployed with the template's patterns (without their Firehose target); ` +
      `objects rule ${rules.objectsRule.rule} puts "Object Created" of ${out.StagingBucketName}/${STAGING_LIVE_PREFIX}` +
      `${opts.trailBucket ? ` and ${opts.trailBucket}/${opts.trailPrefix ?? ''}` : ''} on the objects queue, as deployed`,
  );
  await notifyObjects(
    s3,
    [out.StagingBucketName, ...(opts.trailBucket && !opts.trailBucketAccount ? [opts.trailBucket] : [])],
    opts.objectNotifications ?? false,
    step,
  );

  const alertInboxUrl = await subscribeAlertInbox(new SNSClient(cfg), sqs, {
    topicArn: out.AlertTopicArn,
    queueName: `${name}-alert-inbox`,
  });
  step(`alert inbox queue ${name}-alert-inbox subscribed to the alert topic`);

  return {
    target,
    name,
    bucket: out.ArchiveBucketName,
    table: out.TableName,
    signingKeyId: out.SigningKeyArn,
    origin: out.Origin,
    topicArn: out.AlertTopicArn,
    queueUrl: out.IngestQueueUrl,
    deadLetterQueueUrl: out.DeadLetterQueueUrl,
    stagingBucket: out.StagingBucketName,
    stagingPrefix: env[ENV.stagingPrefix] ?? STAGING_LIVE_PREFIX,
    alertInboxUrl,
    env,
    stackName: name,
    stackId: stack.stackId,
    outputs: out,
    timings: { synthMs, uploadMs: created.uploadMs, createStackMs: created.createStackMs, totalMs: Date.now() - started },
    keysCreatedBySdk,
    adaptations,
    notCreated,
    rules,
    ...(opts.trailBucket ? { trailBucket: opts.trailBucket, trailPrefix: opts.trailPrefix ?? '' } : {}),
  };
}

type Step = (line: string) => void;

/**
 * The stack's template, synthesized with the trail's configuration as context.
 * The CDK code is loaded here, not at the top, because the CLI imports this
 * module for every command and only a deployment needs it.
 */
async function synthesize(
  target: AwsTarget,
  name: string,
  context: Record<string, unknown>,
  step: Step,
): Promise<{ synth: SynthesizedLocalStack; synthMs: number; assetsBucket: string }> {
  const t = Date.now();
  const { synthLocalStack } = await import('./synth-local-stack');
  const assetsBucket = localAssetsBucket(target.region);
  const synth = synthLocalStack({ stackName: name, assetsBucket, context });
  const synthMs = Date.now() - t;
  step(
    `synthesized stack ${name} in ${seconds(synthMs)}: ${Object.keys(synth.template.Resources).length} resources ` +
      '(Lambda bundling skipped: the handlers run in-process on the emulator)',
  );
  return { synth, synthMs, assetsBucket };
}

/** The archive bucket, through the SDK: moto's CloudFormation ignores ObjectLockConfiguration, so the stack imports it. */
async function createArchive(
  s3: S3Client,
  target: AwsTarget,
  a: { archiveBucket: string; retentionDays: number; objectLock: boolean; policy: NonNullable<DeployOptions['archivePolicy']> },
  step: Step,
): Promise<void> {
  if (a.objectLock) {
    await createArchiveBucket(s3, { bucket: a.archiveBucket, region: target.region, retentionDays: a.retentionDays, policy: a.policy });
    step(
      `archive bucket ${a.archiveBucket} created through the SDK (moto's CloudFormation ignores ObjectLockConfiguration): ` +
        `Object Lock COMPLIANCE, ${a.retentionDays}-day default retention, ` +
        (a.policy === 'none' ? 'no bucket policy' : "the stack policy's unconditional deny statements (moto reads a Condition as a denial)") +
        '; the stack is synthesized to use it as an existing bucket',
    );
    return;
  }
  await s3.send(
    new CreateBucketCommand({
      Bucket: a.archiveBucket,
      ...(target.region === 'us-east-1' ? {} : { CreateBucketConfiguration: { LocationConstraint: target.region as BucketLocationConstraint } }),
    }),
  );
  step(`archive bucket ${a.archiveBucket} created through the SDK WITHOUT Object Lock (objectLock: false)`);
}

/** The template with SDK-created asymmetric keys in place of its KMS keys, and moto's adaptations applied. */
async function templateForMoto(
  kms: KMSClient,
  synthesized: CfnTemplate,
  step: Step,
): Promise<{ template: CfnTemplate; adaptations: TemplateAdaptation[]; keysCreatedBySdk: KeyCreatedBySdk[] }> {
  const keysCreatedBySdk = await createAsymmetricKeys(kms, synthesized);
  let replaced = synthesized;
  for (const k of keysCreatedBySdk) {
    replaced = withResourceReplaced(replaced, k.logicalId, k.existing);
    step(
      `key ${k.logicalId} (${k.keySpec}, ${k.keyUsage}) created through KMS as ${k.existing.attributes.Arn} and put in the template's place ` +
        "(moto's CloudFormation creates every AWS::KMS::Key as a symmetric encryption key)",
    );
  }
  const { template, adaptations } = adaptTemplateForMoto(replaced);
  for (const a of adaptations) step(`${a.change}: ${countByType(a.resources)} (${a.reason})`);
  return { template, adaptations, keysCreatedBySdk };
}

/** Uploads the template and code placeholders, then CreateStack and wait; reports what the emulator did not create. */
async function uploadAndCreate(
  s3: S3Client,
  cfn: CloudFormationClient,
  d: { target: AwsTarget; name: string; assetsBucket: string; template: CfnTemplate; synth: SynthesizedLocalStack; timeoutMs: number },
  step: Step,
): Promise<{ stack: DeployedStack; notCreated: TemplateResourceRef[]; uploadMs: number; createStackMs: number }> {
  let t = Date.now();
  await ensureBucket(s3, d.assetsBucket, d.target.region);
  const placeholders = await uploadCodePlaceholders(s3, d.synth.fileAssets);
  const templateUrl = await uploadTemplate(s3, d.assetsBucket, d.target.region, JSON.stringify(d.template));
  const uploadMs = Date.now() - t;
  step(`uploaded the template and ${placeholders} Lambda code placeholders to s3://${d.assetsBucket} in ${seconds(uploadMs)}`);

  t = Date.now();
  const stack = await createStackAndWait(cfn, { stackName: d.name, templateUrl, timeoutMs: d.timeoutMs });
  const createStackMs = Date.now() - t;
  const notCreated = resourcesNotCreated(d.template, stack.resources);
  const total = Object.keys(d.template.Resources).length;
  step(`CloudFormation CreateStack ${d.name}: CREATE_COMPLETE in ${seconds(createStackMs)}, ${total - notCreated.length} of ${total} resources created`);
  if (notCreated.length > 0) {
    step(`not created by the emulator's CloudFormation (types it does not implement): ${countByType(notCreated)}`);
  }
  return { stack, notCreated, uploadMs, createStackMs };
}

/** What template references resolve against: the deployed stack's resources, account and partition. */
function deployedScope(target: AwsTarget, name: string, stack: DeployedStack): DeployedScope {
  const { partition, accountId } = stackArnParts(stack.stackId);
  const resources = new Map<string, DeployedResource>();
  for (const r of stack.resources) {
    if (r.LogicalResourceId && r.ResourceType && r.PhysicalResourceId) {
      resources.set(r.LogicalResourceId, { logicalId: r.LogicalResourceId, type: r.ResourceType, physicalId: r.PhysicalResourceId });
    }
  }
  return {
    stackName: name,
    stackId: stack.stackId,
    region: target.region,
    accountId,
    partition,
    urlSuffix: 'amazonaws.com',
    resources,
    attribute: serviceAttributeReader(target, partition),
  };
}

/** The ingest function's environment in the deployed template, resolved, with the caller's overrides. */
async function handlerEnvironmentOf(
  template: CfnTemplate,
  ingestFunctionId: string,
  scope: DeployedScope,
  opts: { objectLock: boolean; extraEnv?: Record<string, string> },
  step: Step,
): Promise<Record<string, string>> {
  const variables = template.Resources[ingestFunctionId]?.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined;
  if (!variables?.Variables) {
    throw new LocalDeployError('UNRESOLVABLE_VALUE', `the template's ingest function ${ingestFunctionId} has no environment`);
  }
  const deployedEnv = await resolveTemplateMap(variables.Variables, scope);
  const env: Record<string, string> = {
    ...deployedEnv,
    // Without Object Lock on the bucket the writers must not ask for retention.
    ...(opts.objectLock ? {} : { [ENV.retentionDays]: '0' }),
    ...opts.extraEnv,
  };
  const overridden = Object.keys(env).filter((k) => env[k] !== deployedEnv[k]);
  step(
    `handler environment: the ingest function's ${Object.keys(deployedEnv).length} variables from the template, resolved against the deployed resources` +
      (overridden.length > 0 ? `; overridden here: ${overridden.join(', ')}` : ''),
  );
  return env;
}

/** S3 -> EventBridge notifications, which moto's CloudFormation ignores: turned on through the S3 API, or left to the caller. */
async function notifyObjects(s3: S3Client, buckets: readonly string[], turnOn: boolean, step: Step): Promise<void> {
  if (!turnOn) {
    step(
      `S3 -> EventBridge notifications of ${buckets.join(', ')} left off (moto's CloudFormation ignores a bucket's NotificationConfiguration): ` +
        'the caller sends the "Object Created" notification of each object it writes to the objects queue',
    );
    return;
  }
  for (const b of buckets) {
    await s3.send(new PutBucketNotificationConfigurationCommand({ Bucket: b, NotificationConfiguration: { EventBridgeConfiguration: {} } }));
  }
  step(
    `S3 -> EventBridge notifications turned on through the S3 API for ${buckets.join(', ')} ` +
      "(moto's CloudFormation ignores a bucket's NotificationConfiguration): each new object reaches the objects queue through the objects rule",
  );
}
