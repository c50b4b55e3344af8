#!/usr/bin/env node
/**
 * The CDK app (cdk.json runs it with tsx). Configure with context, e.g.
 *   npx cdk deploy -c alertEmail=ops@example.com -c retentionDays=2555 -c deployerPrincipals=arn:aws:iam::111122223333:role/deploy
 *   npx cdk synth -c bootstrapVersionRule=false     # template for an account without a CDK bootstrap
 * Every synthesis runs the cdk-nag AwsSolutions checks; an unacknowledged finding fails it.
 */
import { App } from 'aws-cdk-lib';
import { DEFAULT_STACK_NAME, ImmutrailStack, addSecurityChecks } from '../lib/immutrail-stack';

const app = new App();
const stackName: unknown = app.node.tryGetContext('stackName');
new ImmutrailStack(app, typeof stackName === 'string' && stackName !== '' ? stackName : DEFAULT_STACK_NAME);
addSecurityChecks(app);
