/**
 * The CloudTrail eventSources whose write calls a member account forwards to
 * the audit account (issue 14). Cross-account delivery is billed per event,
 * so the member forwards only what the detectors look at within seconds; the
 * trail lane still brings every call of every service within ~15 minutes.
 *
 * The built-in detectors' tables are read here, so a service added to one of
 * them is forwarded without anyone remembering to. Sigma rules are YAML files
 * loaded by the Lambdas at run time, so their services are listed by hand and
 * test/unit/forwarded-sources.test.ts fails when a rule names one missing here.
 *
 * CDK-free: the member stack, the StackSets template and the tests share it.
 */
import { TAMPER_ACTIONS } from '../core/detect/auditor-tampering';
import { DRIFT_ACTIONS } from '../core/detect/drift';

/** unsigned-launch.ts keys its launches by ec2:RunInstances/StartInstances, ecs:RunTask/StartTask, lambda:CreateFunction/UpdateFunctionCode. */
export const LAUNCH_SERVICES: readonly string[] = ['ec2', 'ecs', 'lambda'];

/** Console sign-ins (their own detail-type, eventSource signin.amazonaws.com): root and no-MFA rules need them. */
export const SIGN_IN_SERVICES: readonly string[] = ['signin'];

/** Every eventSource a rule under rules/ names (sigma and immutrail), as short service names. */
export const SIGMA_RULE_SERVICES: readonly string[] = [
  'account',
  'bedrock',
  'cloudtrail',
  'config',
  'ec2',
  'ecs',
  'eks',
  'elasticache',
  'elasticfilesystem',
  'elasticloadbalancing',
  'glue',
  'guardduty',
  'iam',
  'kms',
  'lambda',
  'organizations',
  'rds',
  'rolesanywhere',
  'route53',
  'route53resolver',
  's3',
  'sagemaker',
  'secretsmanager',
  'securityhub',
  'ses',
  'signin',
  'ssm',
  'sso',
  'sso-directory',
  'sts',
];

/**
 * Rules that name an eventName but no eventSource: the service that calls it,
 * so the test can check that service is forwarded.
 */
export const SIGMA_EVENT_NAME_SERVICES: Readonly<Record<string, string>> = {
  ConsoleLogin: 'signin',
  DeleteBucket: 's3',
  DeleteFlowLogs: 'ec2',
};

/**
 * Rules that match a call of any service (by caller type or user agent). They
 * fire within seconds on calls to the forwarded services, and on every other
 * call when the trail lane delivers it: forwarding every service's writes for
 * them would multiply the per-event cost for a handful of rules.
 */
export const ANY_SERVICE_SIGMA_RULES: readonly string[] = ['aws_root_account_usage', 'aws_sts_assumerole_misuse', 'aws_cloudtrail_pua_trufflehog'];

const serviceOfKey = (key: string): string => key.slice(0, key.indexOf(':'));
const eventSource = (service: string): string => `${service}.amazonaws.com`;

/** The services the built-in detectors' tables name (drift, auditor tampering) plus launches. */
export function detectorServices(): string[] {
  const keys = [...Object.keys(DRIFT_ACTIONS), ...Object.keys(TAMPER_ACTIONS)];
  return [...new Set([...keys.map(serviceOfKey), ...LAUNCH_SERVICES])].sort();
}

/** The eventSources a member forwards, sorted and without repeats ("ec2.amazonaws.com", ...). */
export function forwardedEventSources(): string[] {
  const services = new Set([...detectorServices(), ...SIGMA_RULE_SERVICES, ...SIGN_IN_SERVICES]);
  return [...services].map(eventSource).sort();
}
