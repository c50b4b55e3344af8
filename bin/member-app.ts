#!/usr/bin/env node
/**
 * The member stack as a CDK app, for one member account deployed with the CDK:
 *   npx cdk --app 'npx tsx bin/member-app.ts' deploy -c auditAccount=111111111111 -c auditRegion=eu-west-1
 * Without auditAccount and auditRegion the template takes them as the
 * parameters AuditAccountId and AuditRegion (the StackSets template,
 * committed as templates/immutrail-member.template.json). cdk-nag checks every
 * synthesis, as for the audit stack.
 */
import { App } from 'aws-cdk-lib';
import { addSecurityChecks } from '../lib/immutrail-stack';
import { DEFAULT_MEMBER_STACK_NAME, ImmutrailMemberStack } from '../lib/member-stack';

const app = new App();
const context = (key: string): string | undefined => {
  const v: unknown = app.node.tryGetContext(key);
  return typeof v === 'string' && v !== '' ? v : undefined;
};
const account = context('auditAccount');
const region = context('auditRegion');
if ((account === undefined) !== (region === undefined)) throw new Error('give both -c auditAccount=... and -c auditRegion=..., or neither (parameters)');
new ImmutrailMemberStack(app, context('stackName') ?? DEFAULT_MEMBER_STACK_NAME, {
  ...(account && region ? { audit: { account, region } } : {}),
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
});
addSecurityChecks(app);
