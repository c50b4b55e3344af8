import { cpSync } from 'node:fs';
import * as path from 'node:path';
import { AssetHashType, DockerImage, type Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { ImmutrailError } from '../core/errors';
import { BUNDLE_HANDLER, LAMBDA_ESBUILD_TARGET, functionCode, type FunctionCode, type TrailFunctionKind } from './lambda-bundles';
import { FUNCTION_NAME_MAX, physicalName } from './physical-names';

export { LAMBDA_ENTRIES, type TrailFunctionKind } from './lambda-bundles';

/** The installed package has neither the prebuilt bundles nor the sources (a broken or partial install). */
export class MissingLambdaCodeError extends ImmutrailError {
  readonly code = 'MISSING_LAMBDA_CODE';

  constructor(kind: TrailFunctionKind) {
    super(`immutrail's ${kind} function has no code: neither dist/lambdas/${kind}/index.js (npm run build) nor lambdas/${kind}.ts was found`);
    this.name = 'MissingLambdaCodeError';
  }
}

export interface SigmaRulesBundling {
  /** A local folder of the user's own rules, copied into the bundle too. */
  readonly userRulesDir?: string;
  /** Absolute path of the user's rules at run time (the handler reads it from the environment). */
  readonly userRulesInBundle: string;
}

export interface TrailFunctionProps {
  readonly kind: TrailFunctionKind;
  readonly description: string;
  readonly timeout: Duration;
  readonly memorySize: number;
  readonly environment: Record<string, string>;
  readonly logRetention: logs.RetentionDays;
  /** Copy the project's Sigma rules (rules/sigma and rules/immutrail) next to the handler, where it looks for them. */
  readonly sigmaRules?: SigmaRulesBundling;
}

/** Shell commands esbuild bundling runs after bundling, copying rule files into the asset. */
function copySigmaRules(rules: SigmaRulesBundling, inputDir: string, outputDir: string): string[] {
  const commands = [
    `mkdir -p "${outputDir}/rules"`,
    `cp -R "${path.join(inputDir, 'rules', 'sigma')}" "${outputDir}/rules/sigma"`,
    `cp -R "${path.join(inputDir, 'rules', 'immutrail')}" "${outputDir}/rules/immutrail"`,
  ];
  if (rules.userRulesDir) {
    const target = path.posix.join(outputDir, path.posix.relative('/var/task', rules.userRulesInBundle));
    commands.push(`mkdir -p "${target}"`, `cp -R "${path.resolve(rules.userRulesDir)}/." "${target}"`);
  }
  return commands;
}

/** NodejsFunction's props for bundling `code.entry` at synth, with the rules copied after bundling. */
export function sourceBundling(code: Extract<FunctionCode, { from: 'source' }>, rules: SigmaRulesBundling | undefined) {
  return {
    entry: code.entry,
    handler: 'handler',
    projectRoot: code.projectRoot,
    depsLockFilePath: path.join(code.projectRoot, 'package-lock.json'),
    bundling: {
      forceDockerBundling: false,
      minify: true,
      sourceMap: true,
      // As scripts/bundle-lambdas.ts: stack traces need the mappings, not a copy of every source.
      sourcesContent: false,
      target: LAMBDA_ESBUILD_TARGET,
      format: OutputFormat.CJS,
      // Bundle the AWS SDK too: the handlers then run the exact SDK versions
      // pinned in package-lock.json (and tested), not whatever the runtime ships.
      externalModules: [],
      ...(rules
        ? {
            commandHooks: {
              beforeBundling: () => [],
              beforeInstall: () => [],
              afterBundling: (inputDir: string, outputDir: string) => copySigmaRules(rules, inputDir, outputDir),
            },
          }
        : {}),
    },
  };
}

/**
 * The prebuilt bundle as the asset; for a detecting function, with the
 * package's Sigma rules (and the user's) copied in by local bundling, as
 * afterBundling does from source. The asset's hash is that of the copied
 * output, so a change to the user's rules is a new asset.
 */
export function prebuiltCode(code: Extract<FunctionCode, { from: 'prebuilt' }>, rules: SigmaRulesBundling | undefined): lambda.Code {
  if (!rules) return lambda.Code.fromAsset(code.bundleDir);
  return lambda.Code.fromAsset(code.bundleDir, {
    assetHashType: AssetHashType.OUTPUT,
    bundling: {
      // Never used: local bundling below always succeeds (a copy), as NodejsFunction never uses Docker here.
      image: DockerImage.fromRegistry('public.ecr.aws/docker/library/node:24'),
      local: {
        tryBundle(outputDir: string): boolean {
          cpSync(code.bundleDir, outputDir, { recursive: true });
          for (const folder of ['sigma', 'immutrail']) cpSync(path.join(code.rulesDir, folder), path.join(outputDir, 'rules', folder), { recursive: true });
          if (rules.userRulesDir) {
            const target = path.join(outputDir, path.posix.relative('/var/task', rules.userRulesInBundle));
            cpSync(path.resolve(rules.userRulesDir), target, { recursive: true });
          }
          return true;
        },
      },
    },
  });
}

/**
 * A handler as every immutrail function is deployed: Node.js 24 on arm64,
 * bundled by esbuild (minified, with source maps, never in Docker): from
 * source at synth inside this repository, or ahead of time by `npm run build`
 * when the construct runs from the installed package (lambda-bundles.ts),
 * with a role of its own that starts with nothing but write access to its own
 * log group; each caller grants exactly what that handler needs.
 */
export class TrailFunction extends Construct {
  readonly fn: lambda.Function;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: TrailFunctionProps) {
    super(scope, id);
    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // An explicit role instead of the AWSLambdaBasicExecutionRole managed
    // policy, which would allow creating and writing any log group in the account.
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `immutrail ${props.kind} function`,
    });
    this.logGroup.grantWrite(this.role);

    const code = functionCode(props.kind);
    if (!code) throw new MissingLambdaCodeError(props.kind);
    const common = {
      functionName: physicalName(scope, props.kind, FUNCTION_NAME_MAX),
      description: props.description,
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize,
      timeout: props.timeout,
      role: this.role,
      logGroup: this.logGroup,
      // The bundle is minified: stack traces are only readable through its source map.
      environment: { ...props.environment, NODE_OPTIONS: '--enable-source-maps' },
    };
    this.fn =
      code.from === 'prebuilt'
        ? new lambda.Function(this, 'Function', { ...common, handler: BUNDLE_HANDLER, code: prebuiltCode(code, props.sigmaRules) })
        : new NodejsFunction(this, 'Function', { ...common, ...sourceBundling(code, props.sigmaRules) });
  }
}
