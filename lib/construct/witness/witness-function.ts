import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { BUNDLE_HANDLER, functionCode } from '../lambda-bundles';
import { MissingLambdaCodeError, prebuiltCode, sourceBundling } from '../trail-function';

/**
 * The witness handler as immutrail's functions are deployed (Node.js 24,
 * arm64, esbuild from source, a role that starts with only its log group),
 * plus the Parameters and Secrets extension through which it reads its key's
 * secret without a Secrets Manager client or the secret in its configuration.
 */
export class WitnessFunction extends Construct {
  readonly fn: lambda.Function;
  readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: { environment: Record<string, string> }) {
    super(scope, id);
    const logGroup = new logs.LogGroup(this, 'Logs', { retention: logs.RetentionDays.ONE_YEAR, removalPolicy: RemovalPolicy.RETAIN });
    this.role = new iam.Role(this, 'Role', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'), description: 'immutrail witness function' });
    logGroup.grantWrite(this.role);
    const code = functionCode('witness');
    if (!code) throw new MissingLambdaCodeError('witness');
    const common = {
      description: 'immutrail witness: cosigns shard checkpoints consistent with the last it cosigned',
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: 256,
      timeout: Duration.minutes(2),
      // One run at a time is the normal case; the state's compare-and-swap makes a second one harmless.
      reservedConcurrentExecutions: 1,
      role: this.role,
      logGroup,
      environment: { ...props.environment, NODE_OPTIONS: '--enable-source-maps' },
      paramsAndSecrets: lambda.ParamsAndSecretsLayerVersion.fromVersion(lambda.ParamsAndSecretsVersions.V1_0_103),
    };
    // As TrailFunction: the prebuilt bundle from the installed package, or esbuild from source in this repository.
    this.fn =
      code.from === 'prebuilt'
        ? new lambda.Function(this, 'Function', { ...common, handler: BUNDLE_HANDLER, code: prebuiltCode(code, undefined) })
        : new NodejsFunction(this, 'Function', { ...common, ...sourceBundling(code, undefined) });
  }
}
