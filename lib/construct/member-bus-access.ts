import { Aws } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import { Construct } from 'constructs';
import { AuditTrailConfigError } from '../contract/errors';

export interface MemberBusAccessProps {
  /** Admit every account of this organization (o-...). */
  readonly organizationId?: string;
  /** Admit these accounts (12 digits each). */
  readonly memberAccounts?: readonly string[];
}

/** AWS Organizations ids: "o-" and 10 to 32 lowercase letters or digits. */
const ORGANIZATION_ID = /^o-[a-z0-9]{10,32}$/;
const ACCOUNT = /^\d{12}$/;

/**
 * The audit account's default bus accepts PutEvents from the member accounts'
 * forwarding rules (member-forwarding.ts), from every account of the
 * organization (aws:PrincipalOrgID, so a new account needs no change here) or
 * from a list of accounts. Only PutEvents, only on the default bus. The
 * forwarded events keep their own `account`, so the capture rules put them in
 * the live lane like this account's, and the shard plan routes them by
 * account.
 */
export class MemberBusAccess extends Construct {
  constructor(scope: Construct, id: string, props: MemberBusAccessProps) {
    super(scope, id);
    validate(props);
    const bus = `arn:${Aws.PARTITION}:events:${Aws.REGION}:${Aws.ACCOUNT_ID}:event-bus/default`;
    if (props.organizationId) {
      new events.CfnEventBusPolicy(this, 'Organization', {
        eventBusName: 'default',
        statementId: 'immutrail-organization-members',
        statement: {
          Effect: 'Allow',
          Principal: '*',
          Action: 'events:PutEvents',
          Resource: bus,
          Condition: { StringEquals: { 'aws:PrincipalOrgID': props.organizationId } },
        },
      });
    }
    if (props.memberAccounts && props.memberAccounts.length > 0) {
      new events.CfnEventBusPolicy(this, 'Accounts', {
        eventBusName: 'default',
        statementId: 'immutrail-member-accounts',
        statement: {
          Effect: 'Allow',
          Principal: { AWS: props.memberAccounts.map((a) => `arn:${Aws.PARTITION}:iam::${a}:root`) },
          Action: 'events:PutEvents',
          Resource: bus,
        },
      });
    }
  }
}

function validate(props: MemberBusAccessProps): void {
  if (props.organizationId !== undefined && !ORGANIZATION_ID.test(props.organizationId)) {
    throw new AuditTrailConfigError(
      'INVALID_ACCOUNT',
      `organizationId "${props.organizationId}" is not an organization id (o- and 10 to 32 lowercase letters or digits)`,
    );
  }
  for (const account of props.memberAccounts ?? []) {
    if (!ACCOUNT.test(account)) throw new AuditTrailConfigError('INVALID_ACCOUNT', `memberAccounts: "${account}" is not a 12-digit account id`);
  }
  if (props.memberAccounts && new Set(props.memberAccounts).size !== props.memberAccounts.length) {
    throw new AuditTrailConfigError('INVALID_ACCOUNT', 'memberAccounts lists an account twice');
  }
}
