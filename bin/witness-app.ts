#!/usr/bin/env node
/**
 * The witness stack as a CDK app, deployed in the account that witnesses an archive (not the audit account):
 *   npx cdk --app 'npx tsx bin/witness-app.ts' deploy \
 *     -c auditBucket=<ArchiveBucketName> -c auditAccount=111111111111 -c archiveOrigin=<Origin> \
 *     -c archivePublicKey=immutrail-public-key.pem [-c auditBucketKeyArn=<data key ARN>] [-c keyName=witness.example/w1] [-c alertEmail=...]
 * The audit stack then lists this account (or the witness function's role) in its `witnesses` prop.
 * Every synthesis runs the cdk-nag AwsSolutions checks, as for the audit stack.
 */
import { readFileSync } from 'node:fs';
import { App } from 'aws-cdk-lib';
import { ImmutrailWitnessStack } from '../lib/construct/witness';
import { addSecurityChecks } from '../lib/immutrail-stack';

const app = new App();
const context = (key: string): string | undefined => {
  const v: unknown = app.node.tryGetContext(key);
  return typeof v === 'string' && v !== '' ? v : undefined;
};
const need = (key: string): string => {
  const v = context(key);
  if (v === undefined) throw new Error(`give -c ${key}=...`);
  return v;
};
new ImmutrailWitnessStack(app, context('stackName') ?? 'ImmutrailWitness', {
  witness: {
    auditBucketName: need('auditBucket'),
    auditAccount: need('auditAccount'),
    archiveOrigin: need('archiveOrigin'),
    archivePublicKeyPem: readFileSync(need('archivePublicKey'), 'utf8'),
    auditBucketKeyArn: context('auditBucketKeyArn'),
    keyName: context('keyName'),
    alertEmail: context('alertEmail'),
  },
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
});
addSecurityChecks(app);
