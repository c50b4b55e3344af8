import * as path from 'node:path';
import { type Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { FUNCTION_NAME_MAX, physicalName } from './physical-names';

/** The handler entry files, relative to the repository root. */
export const LAMBDA_ENTRIES = {
  ingest: 'lambdas/ingest.ts',
  seal: 'lambdas/seal.ts',
  reconcile: 'lambdas/reconcile.ts',
  watchdog: 'lambdas/watchdog.ts',
} as const;
export type TrailFunctionKind = keyof typeof LAMBDA_ENTRIES;

const REPO_ROOT = path.resolve(__dirname, '..', '..');

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

/**
 * A handler as every immutrail function is deployed: Node.js 24 on arm64,
 * bundled locally by esbuild (minified, with source maps, never in Docker),
 * with a role of its own that starts with nothing but write access to its own
 * log group; each caller grants exactly what that handler needs.
 */
export class TrailFunction extends Construct {
  readonly fn: NodejsFunction;
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

    this.fn = new NodejsFunction(this, 'Function', {
      functionName: physicalName(scope, props.kind, FUNCTION_NAME_MAX),
      description: props.description,
      entry: path.join(REPO_ROOT, LAMBDA_ENTRIES[props.kind]),
      handler: 'handler',
      projectRoot: REPO_ROOT,
      depsLockFilePath: path.join(REPO_ROOT, 'package-lock.json'),
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize,
      timeout: props.timeout,
      role: this.role,
      logGroup: this.logGroup,
      // The bundle is minified: stack traces are only readable through its source map.
      environment: { ...props.environment, NODE_OPTIONS: '--enable-source-maps' },
      bundling: {
        forceDockerBundling: false,
        minify: true,
        sourceMap: true,
        target: 'node24',
        format: OutputFormat.CJS,
        // Bundle the AWS SDK too: the handlers then run the exact SDK versions
        // pinned in package-lock.json (and tested), not whatever the runtime ships.
        externalModules: [],
        ...(props.sigmaRules
          ? {
              commandHooks: {
                beforeBundling: () => [],
                beforeInstall: () => [],
                afterBundling: (inputDir: string, outputDir: string) =>
                  copySigmaRules(props.sigmaRules!, inputDir, outputDir),
              },
            }
          : {}),
      },
    });
  }
}
