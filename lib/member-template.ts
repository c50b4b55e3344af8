import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App, DefaultStackSynthesizer } from 'aws-cdk-lib';
import { addSecurityChecks } from './immutrail-stack';
import { DEFAULT_MEMBER_STACK_NAME, ImmutrailMemberStack } from './member-stack';

/** Where the StackSets template is committed (npm run member-template rewrites it). */
export const MEMBER_TEMPLATE_PATH = path.resolve(__dirname, '../templates/immutrail-member.template.json');

/**
 * The member stack as a plain CloudFormation template for StackSets: the
 * audit account and region are parameters, and nothing depends on a CDK
 * bootstrap (no BootstrapVersion parameter or rule, no asset) or on the CDK
 * version that wrote it (no CDKMetadata, no construct paths), so the committed
 * file changes only when what it deploys changes. cdk-nag checks it as it
 * checks the audit stack; a finding makes this throw.
 */
export function synthMemberTemplate(): string {
  const outdir = mkdtempSync(path.join(tmpdir(), 'immutrail-member-'));
  try {
    const app = new App({ outdir, analyticsReporting: false, context: { 'aws:cdk:enable-path-metadata': false } });
    const stack = new ImmutrailMemberStack(app, DEFAULT_MEMBER_STACK_NAME, {
      synthesizer: new DefaultStackSynthesizer({ generateBootstrapVersionRule: false }),
    });
    addSecurityChecks(app);
    const template = app.synth().getStackByName(stack.stackName).template as unknown;
    return JSON.stringify(template, null, 2) + '\n';
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}
