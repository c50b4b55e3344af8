import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { ImmutrailStack, type ImmutrailStackProps, addSecurityChecks } from '../../lib/immutrail-stack';

export interface SynthOptions {
  /** Stack props (trail config); default: from context, as bin/app.ts does. */
  readonly stackProps?: ImmutrailStackProps;
  /** Extra CDK context (the `-c key=value` a user would pass). */
  readonly context?: Record<string, unknown>;
  /**
   * Bundle the Lambda code with esbuild (slow). Tests that look only at the
   * template skip it: CDK's own `aws:cdk:bundling-stacks` context does that.
   */
  readonly bundle?: boolean;
  /** Add constructs (e.g. roles granted by the trail) before synthesis. */
  readonly configure?: (stack: ImmutrailStack) => void;
}

export interface Synthesized {
  readonly app: App;
  readonly stack: ImmutrailStack;
  readonly template: Template;
  /** The template as CloudFormation JSON. */
  readonly json: CfnTemplate;
  /** Where the synthesized template file was written. */
  readonly templatePath: string;
}

export interface CfnResource {
  Type: string;
  Properties?: Record<string, any>;
  Metadata?: Record<string, unknown>;
}
export interface CfnTemplate {
  Resources: Record<string, CfnResource>;
  Rules?: Record<string, unknown>;
  Outputs?: Record<string, unknown>;
}

/** cdk.json's context, so tests synthesize with the same feature flags as `cdk synth`. */
function projectContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(path.resolve(__dirname, '../../cdk.json'), 'utf8')) as {
    context?: Record<string, unknown>;
  };
  return cdkJson.context ?? {};
}

/**
 * Builds the app exactly as bin/app.ts does (ImmutrailStack + cdk-nag on every
 * synthesis) into a temporary cloud assembly. Synthesis runs the validation
 * plugins, so an unacknowledged cdk-nag finding makes this throw.
 */
const outdirs: string[] = [];

/** Removes the cloud assemblies this test file synthesized (call from afterAll). */
export function cleanupSynths(): void {
  for (const dir of outdirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

export function synthImmutrail(opts: SynthOptions = {}): Synthesized {
  const outdir = mkdtempSync(path.join(tmpdir(), 'immutrail-synth-'));
  outdirs.push(outdir);
  const app = new App({
    outdir,
    context: {
      ...projectContext(),
      ...(opts.bundle ? {} : { 'aws:cdk:bundling-stacks': [] }),
      ...opts.context,
    },
  });
  const stack = new ImmutrailStack(app, 'Immutrail', opts.stackProps);
  opts.configure?.(stack);
  addSecurityChecks(app);
  const assembly = app.synth();
  const artifact = assembly.getStackByName(stack.stackName);
  const templatePath = path.join(assembly.directory, artifact.templateFile);
  return {
    app,
    stack,
    template: Template.fromJSON(artifact.template as Record<string, unknown>),
    json: artifact.template as CfnTemplate,
    templatePath,
  };
}

/** Resources of one CloudFormation type, by logical id. */
export function resourcesOfType(t: CfnTemplate, type: string): Array<[string, CfnResource]> {
  return Object.entries(t.Resources).filter(([, r]) => r.Type === type);
}

/** The logical id CloudFormation will use for a construct's default resource. */
export function logicalId(stack: ImmutrailStack, construct: { node: { defaultChild?: unknown } }): string {
  return stack.getLogicalId(construct.node.defaultChild as Parameters<ImmutrailStack['getLogicalId']>[0]);
}
