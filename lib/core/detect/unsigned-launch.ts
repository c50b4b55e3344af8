import type { Severity } from '../alert';
import { checkAttestation, imageDigestOf, type AttestationVerdict } from '../attestation';
import type { JsonObject, JsonValue } from '../json';
import type { AttestationSubjectType } from '../record';
import { alertFromFinding, type Finding } from './alert-factory';
import { apiCallKey, cloudTrailRecordOf, errorCodeOf, eventBridgeDetailOf, itemsOf } from './cloudtrail';
import { at, stringAt } from '../json-access';
import { principalLabel } from './principals';
import { immutableScopeOf, requestTags, type ScopeDecision } from './scope';
import type { DetectionContext, Detector, EventRecord } from './types';

/**
 * Unsigned launch: something started running that no trusted pipeline signed.
 *
 * - EC2 RunInstances: every AMI launched (from the response, else the request)
 *   needs a valid attestation. When neither names the AMI (a launch template
 *   without a logged response) the launch cannot be checked: reported at
 *   medium severity as "unknown AMI".
 * - EC2 StartInstances: the event does not name the AMI. The AMI was checked
 *   when the instance was launched; the archive's index (ResourceLookup
 *   .imageOfInstance) is asked for it, and the check repeated. When the AMI
 *   stays unknown (no lookup, or an instance older than the archive) the start
 *   is reported at low severity as unverified rather than ignored.
 * - ECS: each container of a task reaching RUNNING ("ECS Task State Change"),
 *   and each container RunTask/StartTask report in their response. A
 *   reference by tag without a digest is always reported, since the tag can
 *   be moved (high when the digest it resolved to is not attested either,
 *   medium when it is); a reference by digest needs a valid attestation.
 * - Lambda CreateFunction/UpdateFunctionCode: zip code needs a code signing
 *   config (on create) or a signed package (the response names the signing
 *   profile/job); image functions follow the container image rules.
 *
 * Deployers are not exempt: signing is the deployers' obligation. Failed
 * calls launch nothing and are ignored. The immutable scope applies.
 */

interface AttestationCheck {
  valid: boolean;
  /** Verdict for each attestation recorded for the subject. */
  verdicts: AttestationVerdict[];
}

async function attested(subject: string, type: AttestationSubjectType, ctx: DetectionContext): Promise<AttestationCheck> {
  const found = await ctx.attestations.find(subject);
  const verdicts = found.filter((a) => a.subject === subject && a.subjectType === type).map((a) => checkAttestation(a, ctx.trustedKeys));
  return { valid: verdicts.includes('valid'), verdicts };
}

function why(check: AttestationCheck): string {
  if (check.verdicts.length === 0) return 'no attestation';
  const distinct = [...new Set(check.verdicts)];
  return `${check.verdicts.length} attestation${check.verdicts.length === 1 ? '' : 's'}, none valid (${distinct.join(', ')})`;
}

type Launch = Omit<Finding, 'kind'>;

async function scopeFor(record: EventRecord, ct: JsonObject | null, type: string, ctx: DetectionContext): Promise<ScopeDecision> {
  const event = record.data.event;
  return immutableScopeOf(
    ctx.config.immutableScope,
    { types: [type, ...event.resources.map((r) => r.type)], tags: requestTags(event, ct), resources: event.resources },
    ctx.resources,
  );
}

function uniq(xs: (string | null)[]): string[] {
  return [...new Set(xs.filter((x): x is string => x !== null))];
}

// ---------- EC2 ----------

async function runInstances(ct: JsonObject, who: string, ctx: DetectionContext): Promise<Launch[]> {
  const launched = itemsOf(at(ct, 'responseElements', 'instancesSet'));
  const requested = itemsOf(at(ct, 'requestParameters', 'instancesSet'));
  const amis = uniq(launched.map((i) => stringAt(i, 'imageId')));
  if (amis.length === 0) amis.push(...uniq(requested.map((i) => stringAt(i, 'imageId'))));
  const instanceIds = uniq(launched.map((i) => stringAt(i, 'instanceId')));
  if (amis.length === 0) {
    return [
      {
        rule: 'unsigned-launch.ami-unknown',
        severity: 'medium',
        summary: `Unverified launch: ${who} ran instances ${instanceIds.join(', ') || '(ids not logged)'} from an AMI the event does not name`,
        resource: instanceIds[0] ?? null,
        details: { action: 'ec2:RunInstances', instanceIds, launchTemplate: at(ct, 'requestParameters', 'launchTemplate') ?? null },
      },
    ];
  }
  const out: Launch[] = [];
  for (const ami of amis) {
    const check = await attested(ami.toLowerCase(), 'ami', ctx);
    if (check.valid) continue;
    const ids = uniq(launched.filter((i) => stringAt(i, 'imageId') === ami).map((i) => stringAt(i, 'instanceId')));
    out.push({
      rule: 'unsigned-launch.ami',
      severity: 'high',
      summary: `Unsigned launch: ${who} ran ${ids.join(', ') || 'instances'} from AMI ${ami} (${why(check)})`,
      resource: ami,
      discriminator: ami,
      details: { action: 'ec2:RunInstances', ami, instanceIds: ids, attestations: check.verdicts },
    });
  }
  return out;
}

async function startInstances(ct: JsonObject, who: string, ctx: DetectionContext): Promise<Launch[]> {
  const ids = uniq(itemsOf(at(ct, 'requestParameters', 'instancesSet')).map((i) => stringAt(i, 'instanceId')));
  const out: Launch[] = [];
  for (const id of ids) {
    const ami = (await ctx.resources?.imageOfInstance?.(id)) ?? null;
    if (ami === null) {
      out.push({
        rule: 'unsigned-launch.start-unverified',
        severity: 'low',
        summary: `Unverified start: ${who} started ${id}, whose AMI is not known to the archive`,
        resource: id,
        discriminator: id,
        details: { action: 'ec2:StartInstances', instanceId: id, ami: null },
      });
      continue;
    }
    const check = await attested(ami.toLowerCase(), 'ami', ctx);
    if (check.valid) continue;
    out.push({
      rule: 'unsigned-launch.ami',
      severity: 'high',
      summary: `Unsigned launch: ${who} started ${id} from AMI ${ami} (${why(check)})`,
      resource: ami,
      discriminator: id,
      details: { action: 'ec2:StartInstances', ami, instanceIds: [id], attestations: check.verdicts },
    });
  }
  return out;
}

// ---------- container images (ECS, Lambda images) ----------

interface ImageUse {
  /** The reference as the task or function named it. */
  image: string;
  /** The digest the runtime resolved it to, when reported. */
  resolvedDigest: string | null;
  /** Container name, or function name. */
  name: string;
}

async function checkImage(use: ImageUse, who: string, action: string, ctx: DetectionContext): Promise<Launch | null> {
  const pinned = imageDigestOf(use.image);
  const resolved = use.resolvedDigest ? imageDigestOf(use.resolvedDigest) : null;
  const digest = pinned ?? resolved;
  const check = digest ? await attested(digest, 'image-digest', ctx) : { valid: false, verdicts: [] };
  const details = { action, container: use.name, image: use.image, digest, attestations: check.verdicts };
  if (pinned === null) {
    const severity: Severity = check.valid ? 'medium' : 'high';
    const state = digest === null ? 'digest unknown' : check.valid ? `resolved to attested ${digest}` : `resolved ${digest}: ${why(check)}`;
    return {
      rule: 'unsigned-launch.image-tag',
      severity,
      summary: `Unpinned image: ${who} ${action} ${use.name} with ${use.image} by tag, not digest (${state})`,
      resource: use.image,
      discriminator: use.name,
      details,
    };
  }
  if (check.valid) return null;
  return {
    rule: 'unsigned-launch.image',
    severity: 'high',
    summary: `Unsigned launch: ${who} ${action} ${use.name} with image ${use.image} (${why(check)})`,
    resource: use.image,
    discriminator: use.name,
    details,
  };
}

function containersOf(list: JsonValue | undefined): ImageUse[] {
  if (!Array.isArray(list)) return [];
  return list.flatMap((c, i) => {
    const image = stringAt(c, 'image');
    if (image === null) return [];
    return [{ image, resolvedDigest: stringAt(c, 'imageDigest'), name: stringAt(c, 'name') ?? `container-${i}` }];
  });
}

async function ecsTaskRunning(detail: JsonObject, ctx: DetectionContext): Promise<Launch[]> {
  if (stringAt(detail, 'lastStatus') !== 'RUNNING') return [];
  const task = stringAt(detail, 'taskArn') ?? 'task';
  const who = stringAt(detail, 'startedBy') ?? 'ECS';
  const out: Launch[] = [];
  for (const use of containersOf(at(detail, 'containers'))) {
    const l = await checkImage(use, who, 'is running', ctx);
    if (l) out.push({ ...l, details: { ...l.details, task, group: stringAt(detail, 'group') } });
  }
  return out;
}

async function ecsRunTask(ct: JsonObject, who: string, ctx: DetectionContext, action: string): Promise<Launch[]> {
  const tasks = at(ct, 'responseElements', 'tasks');
  if (!Array.isArray(tasks)) return [];
  const out: Launch[] = [];
  for (const [i, t] of tasks.entries()) {
    const task = stringAt(t, 'taskArn') ?? `task-${i}`;
    for (const use of containersOf(at(t, 'containers'))) {
      const l = await checkImage(use, who, 'ran', ctx);
      if (l) out.push({ ...l, discriminator: `${task}/${use.name}`, details: { ...l.details, action, task } });
    }
  }
  return out;
}

// ---------- Lambda ----------

async function lambdaCode(ct: JsonObject, who: string, ctx: DetectionContext, action: 'CreateFunction' | 'UpdateFunctionCode'): Promise<Launch[]> {
  const req = at(ct, 'requestParameters');
  const res = at(ct, 'responseElements');
  const fn = stringAt(res, 'functionName') ?? stringAt(req, 'functionName') ?? 'function';
  const imageUri = stringAt(req, 'code', 'imageUri') ?? stringAt(req, 'imageUri');
  const packageType = stringAt(res, 'packageType') ?? stringAt(req, 'packageType') ?? (imageUri ? 'Image' : 'Zip');
  if (packageType === 'Image') {
    if (!imageUri) return [];
    const l = await checkImage({ image: imageUri, resolvedDigest: null, name: fn }, who, `lambda:${action}`, ctx);
    return l ? [l] : [];
  }
  const signedBy = stringAt(res, 'signingProfileVersionArn') ?? stringAt(res, 'signingJobArn');
  const csc = action === 'CreateFunction' ? stringAt(req, 'codeSigningConfigArn') : null;
  if (signedBy !== null || csc !== null) return [];
  const known = res !== undefined && res !== null;
  return [
    {
      rule: 'unsigned-launch.lambda-code',
      severity: known ? 'high' : 'medium',
      summary: known
        ? `Unsigned code: ${who} called lambda:${action} on ${fn} without a code signing config`
        : `Unverified code: ${who} called lambda:${action} on ${fn}; the event does not show whether the code was signed`,
      resource: fn,
      details: { action: `lambda:${action}`, functionName: fn, packageType, codeSigningConfigArn: csc, signedBy },
    },
  ];
}

// ---------- detector ----------

const SCOPE_TYPE: Record<string, string> = {
  'ec2:RunInstances': 'AWS::EC2::Instance',
  'ec2:StartInstances': 'AWS::EC2::Instance',
  'ecs:RunTask': 'AWS::ECS::Task',
  'ecs:StartTask': 'AWS::ECS::Task',
  'lambda:CreateFunction': 'AWS::Lambda::Function',
  'lambda:UpdateFunctionCode': 'AWS::Lambda::Function',
};

async function fromApiCall(record: EventRecord, ct: JsonObject, ctx: DetectionContext): Promise<Launch[]> {
  const event = record.data.event;
  const key = apiCallKey(event, ct);
  const type = SCOPE_TYPE[key];
  if (!type || errorCodeOf(event, ct) !== null) return [];
  if (!(await scopeFor(record, ct, type, ctx)).inScope) return [];
  const who = principalLabel(event.actor) ?? 'unknown principal';
  switch (key) {
    case 'ec2:RunInstances':
      return runInstances(ct, who, ctx);
    case 'ec2:StartInstances':
      return startInstances(ct, who, ctx);
    case 'ecs:RunTask':
    case 'ecs:StartTask':
      return ecsRunTask(ct, who, ctx, key);
    case 'lambda:CreateFunction':
      return lambdaCode(ct, who, ctx, 'CreateFunction');
    case 'lambda:UpdateFunctionCode':
      return lambdaCode(ct, who, ctx, 'UpdateFunctionCode');
    default:
      return [];
  }
}

export const unsignedLaunchDetector: Detector = {
  name: 'unsigned-launch',
  async detect(record, ctx) {
    const raw = record.data.raw;
    const ct = cloudTrailRecordOf(raw);
    let launches: Launch[] = [];
    if (ct) {
      launches = await fromApiCall(record, ct, ctx);
    } else {
      const eb = eventBridgeDetailOf(raw);
      if (eb && eb.source === 'aws.ecs' && eb.detailType === 'ECS Task State Change') {
        if ((await scopeFor(record, null, 'AWS::ECS::Task', ctx)).inScope) launches = await ecsTaskRunning(eb.detail, ctx);
      }
    }
    return launches.map((l) => alertFromFinding(record, { kind: 'unsigned-launch', ...l }));
  },
};
