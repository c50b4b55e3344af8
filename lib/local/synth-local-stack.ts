import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App, type CfnElement, DefaultStackSynthesizer } from 'aws-cdk-lib';
import * as cxapi from 'aws-cdk-lib/cx-api';
import { ImmutrailStack } from '../immutrail-stack';
import type { CfnTemplate } from './cfn-template';

const REPO_ROOT = path.resolve(__dirname, '..', '..');

/** Where the deployment expects one file asset: an object in the assets bucket. */
export interface FileAssetDestination {
  readonly displayName: string;
  readonly packaging: 'zip' | 'file';
  readonly bucketName: string;
  readonly objectKey: string;
}

export interface LocalSynthInput {
  readonly stackName: string;
  /** The bucket the synthesizer points the template's asset references at (created by the caller). */
  readonly assetsBucket: string;
  /**
   * CDK context holding the trail's configuration (lib/construct/context-props.ts),
   * as `cdk deploy -c key=value` would pass it: the path that can import an
   * existing bucket and keys into the stack's own scope.
   */
  readonly context: Record<string, unknown>;
}

export interface SynthesizedLocalStack {
  readonly template: CfnTemplate;
  readonly fileAssets: readonly FileAssetDestination[];
  /** Logical id of the ingest function, whose environment is the handlers' configuration. */
  readonly ingestFunctionId: string;
}

/** cdk.json's context (feature flags), so the template is the one `cdk synth` produces. */
function projectContext(): Record<string, unknown> {
  const file = path.join(REPO_ROOT, 'cdk.json');
  if (!existsSync(file)) return {};
  return (JSON.parse(readFileSync(file, 'utf8')) as { context?: Record<string, unknown> }).context ?? {};
}

/**
 * Synthesizes the deployable ImmutrailStack in-process, as bin/app.ts would
 * with the given context, but without the bootstrap version rule (an emulator
 * has no CDK bootstrap) and with the file assets pointed at `assetsBucket`.
 *
 * Lambda bundling is skipped (`aws:cdk:bundling-stacks` = []): on an emulator
 * without Lambda the handlers run in-process, so the code assets are never
 * executed and CDK leaves a placeholder in their place. cdk-nag is not run
 * here; every real synthesis (bin/app.ts, the stack tests) runs it.
 */
export function synthLocalStack(input: LocalSynthInput): SynthesizedLocalStack {
  const outdir = mkdtempSync(path.join(tmpdir(), 'immutrail-local-synth-'));
  try {
    const app = new App({
      outdir,
      context: { ...projectContext(), 'aws:cdk:bundling-stacks': [], ...input.context },
    });
    const stack = new ImmutrailStack(app, input.stackName, {
      synthesizer: new DefaultStackSynthesizer({
        generateBootstrapVersionRule: false,
        fileAssetsBucketName: input.assetsBucket,
      }),
    });
    const ingestFunctionId = stack.getLogicalId(stack.trail.ingestFunction.node.defaultChild as CfnElement);
    const assembly = app.synth();
    const template = assembly.getStackByName(stack.stackName).template as CfnTemplate;
    const fileAssets: FileAssetDestination[] = [];
    for (const artifact of assembly.artifacts) {
      if (!cxapi.AssetManifestArtifact.isAssetManifestArtifact(artifact)) continue;
      for (const asset of Object.values(artifact.contents.files ?? {})) {
        for (const dest of Object.values(asset.destinations)) {
          fileAssets.push({
            displayName: asset.displayName ?? dest.objectKey,
            packaging: asset.source.packaging === 'zip' ? 'zip' : 'file',
            bucketName: dest.bucketName,
            objectKey: dest.objectKey,
          });
        }
      }
    }
    return { template, fileAssets, ingestFunctionId };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}
