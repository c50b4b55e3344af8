import { type App, CfnOutput, DefaultStackSynthesizer, Fn, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { Construct } from 'constructs';
import { AuditTrail, type AuditTrailProps } from './construct/audit-trail';
import { auditTrailPropsFromContext } from './construct/context-props';

/** `-c bootstrapVersionRule=false` omits the CDK bootstrap check (the local AWS has no bootstrap SSM parameter). */
export const BOOTSTRAP_RULE_CONTEXT = 'bootstrapVersionRule';
export const DEFAULT_STACK_NAME = 'Immutrail';

export interface ImmutrailStackProps extends StackProps {
  /** The trail's configuration. @default read from CDK context (see lib/construct/context-props.ts) */
  readonly trail?: AuditTrailProps;
  /**
   * Add the CDK bootstrap version rule to the template. Turn off to deploy the
   * template somewhere without a CDK bootstrap (e.g. the local AWS of the demo).
   * Ignored when a synthesizer is given.
   * @default context bootstrapVersionRule, else true
   */
  readonly generateBootstrapVersionRule?: boolean;
}

/** The deployable stack: one AuditTrail plus outputs the CLI and the demo read. */
export class ImmutrailStack extends Stack {
  readonly trail: AuditTrail;

  constructor(scope: Construct, id: string, props: ImmutrailStackProps = {}) {
    const { trail, generateBootstrapVersionRule, ...stackProps } = props;
    const contextRule: unknown = scope.node.tryGetContext(BOOTSTRAP_RULE_CONTEXT);
    const bootstrapRule = generateBootstrapVersionRule ?? !(contextRule === false || contextRule === 'false');
    super(scope, id, {
      description: 'immutrail: tamper-evident, WORM audit trail of control-plane changes and launches',
      ...stackProps,
      synthesizer: stackProps.synthesizer ?? (bootstrapRule ? undefined : new DefaultStackSynthesizer({ generateBootstrapVersionRule: false })),
    });
    this.trail = new AuditTrail(this, 'AuditTrail', trail ?? auditTrailPropsFromContext(this));

    const out = (name: string, value: string, description: string) => new CfnOutput(this, name, { value, description });
    out('ArchiveBucketName', this.trail.bucket.bucketName, 'WORM archive of records and checkpoints');
    out('TableName', this.trail.table.tableName, 'Chain heads and index');
    out('SigningKeyArn', this.trail.signingKey.keyArn, 'Checkpoint signing key (verify with its public key)');
    out('AlertTopicArn', this.trail.alertTopic.topicArn, 'Alerts');
    out('IngestQueueUrl', this.trail.queue.queueUrl, 'Objects queue: one notification per staged object or trail log file');
    out('DeadLetterQueueUrl', this.trail.deadLetterQueue.queueUrl, 'Object notifications that failed ingest');
    out('StagingBucketName', this.trail.stagingBucket.bucketName, "Live lane: Firehose's staged events (under live/)");
    out('LiveStreamName', this.trail.liveStream.stream.ref, 'Live lane: the Firehose stream the capture rules put events into');
    out('Origin', this.trail.origin, 'Checkpoint origin');
    out(
      'IngestFunctionName',
      this.trail.ingestFunction.functionName,
      'The ingest function: its environment holds the capture filter, the shard plan and the detection settings (immutrail backfill --stack reads them)',
    );
    if (this.trail.queryCatalog) {
      out('AthenaWorkGroup', this.trail.queryCatalog.workGroupName, 'Athena workgroup of the named queries (immutrail query --athena)');
      out('GlueDatabaseName', this.trail.queryCatalog.databaseName, 'Glue database of the archive table (immutrail query --athena)');
    }
    if (this.trail.trailNotifications === 'queue') {
      out(
        'IngestQueueArn',
        this.trail.queue.queueArn,
        "Objects queue ARN: the log-archive account's trail bucket notifies it (immutrail org-policy prints the configuration)",
      );
    }
    if (this.trail.trailReaders.length > 0) {
      out(
        'TrailReaderRoleArns',
        Fn.join(
          ',',
          this.trail.trailReaders.map((r) => r.roleArn),
        ),
        "Roles that read the trail's log files (for the log-archive account's bucket and key policies: immutrail org-policy)",
      );
    }
    if (this.trail.trailListers.length > 0) {
      out(
        'TrailListerRoleArns',
        Fn.join(
          ',',
          this.trail.trailListers.map((r) => r.roleArn),
        ),
        "Roles that only list the trail bucket's key names, the watchdog's delivery check (the log-archive bucket policy's ListBucket statement: immutrail org-policy)",
      );
    }
  }
}

/**
 * cdk-nag's AwsSolutions pack as a CDK validation plugin: every synthesis of
 * the app is checked, and any finding without an acknowledgement fails it.
 */
export function addSecurityChecks(app: App): void {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
}
