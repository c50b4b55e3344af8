import type { JsonObject, JsonValue } from '../json';
import { itemsOf } from './cloudtrail';
import { at, stringAt } from '../json-access';

/**
 * Who a sharing call grants access to, read from the request parameters of
 * the calls that share a resource with other accounts:
 *
 *   ec2:ModifySnapshotAttribute    createVolumePermission.add.items[] {userId | group: "all"}
 *   ec2:ModifyImageAttribute       launchPermission.add.items[] {userId | group: "all" | organizationArn | organizationalUnitArn}
 *   rds:ModifyDBSnapshotAttribute, rds:ModifyDBClusterSnapshotAttribute
 *                                  attributeName "restore", valuesToAdd [account id | "all"]
 *
 * Removals (`remove`, valuesToRemove) grant nothing and are not read.
 */

export type ShareTarget =
  | { kind: 'account'; account: string }
  /** Every AWS account ("all"). */
  | { kind: 'public' }
  /** An organization or an organizational unit, by ARN; `organizationId` is the o-... in it. */
  | { kind: 'organization'; arn: string; organizationId: string | null };

export interface Share {
  /** What is shared, as the request names it (snapshot id, AMI id, DB snapshot identifier). */
  resource: string | null;
  resourceType: string;
  targets: ShareTarget[];
}

interface ShareCall {
  resourceType: string;
  resourceParams: readonly string[];
  targets(params: JsonValue | undefined): ShareTarget[];
}

const ORG_ID = /(o-[a-z0-9]{10,32})/;

function ec2PermissionTargets(permission: string): (params: JsonValue | undefined) => ShareTarget[] {
  return (params) =>
    itemsOf(at(params, permission, 'add')).flatMap((item): ShareTarget[] => {
      const user = stringAt(item, 'userId');
      if (user !== null) return [{ kind: 'account', account: user }];
      if (stringAt(item, 'group') === 'all') return [{ kind: 'public' }];
      const org = stringAt(item, 'organizationArn') ?? stringAt(item, 'organizationalUnitArn');
      if (org !== null) return [{ kind: 'organization', arn: org, organizationId: ORG_ID.exec(org)?.[1] ?? null }];
      return [];
    });
}

function rdsRestoreTargets(params: JsonValue | undefined): ShareTarget[] {
  if (stringAt(params, 'attributeName') !== 'restore') return [];
  const values = at(params, 'valuesToAdd');
  if (!Array.isArray(values)) return [];
  return values
    .filter((v): v is string => typeof v === 'string' && v !== '')
    .map((v): ShareTarget => (v === 'all' ? { kind: 'public' } : { kind: 'account', account: v }));
}

export const SHARE_CALLS: Readonly<Record<string, ShareCall>> = {
  'ec2:ModifySnapshotAttribute': {
    resourceType: 'AWS::EC2::Snapshot',
    resourceParams: ['snapshotId'],
    targets: ec2PermissionTargets('createVolumePermission'),
  },
  'ec2:ModifyImageAttribute': {
    resourceType: 'AWS::EC2::Image',
    resourceParams: ['imageId'],
    targets: ec2PermissionTargets('launchPermission'),
  },
  'rds:ModifyDBSnapshotAttribute': {
    resourceType: 'AWS::RDS::DBSnapshot',
    resourceParams: ['dBSnapshotIdentifier'],
    targets: rdsRestoreTargets,
  },
  'rds:ModifyDBClusterSnapshotAttribute': {
    resourceType: 'AWS::RDS::DBClusterSnapshot',
    resourceParams: ['dBClusterSnapshotIdentifier'],
    targets: rdsRestoreTargets,
  },
};

/** The share a call makes; null when the call is not a sharing call or grants nothing. */
export function shareOf(key: string, ct: JsonObject): Share | null {
  const call = SHARE_CALLS[key];
  if (!call) return null;
  const params = at(ct, 'requestParameters');
  const targets = call.targets(params);
  if (targets.length === 0) return null;
  const resource = call.resourceParams.map((p) => stringAt(params, p)).find((v) => v !== null) ?? null;
  return { resource, resourceType: call.resourceType, targets };
}
