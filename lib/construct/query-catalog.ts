import { Aws, Duration, Names, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as athena from 'aws-cdk-lib/aws-athena';
import * as glue from 'aws-cdk-lib/aws-glue';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { RECORDS_PREFIX } from '../core/layout';
import { athenaNamedQueryText } from '../query/athena-sql';
import {
  JSON_SERDE,
  SERDE_PARAMETERS,
  TEXT_INPUT_FORMAT,
  TEXT_OUTPUT_FORMAT,
  glueColumns,
  gluePartitionKeys,
  glueTableParameters,
  recordsLocation,
} from '../query/glue-schema';
import { NAMED_QUERIES, type NamedQuery } from '../query/named-queries';
import { catalogNames, defaultCatalogName } from './catalog-names';
import { acknowledge } from './nag';

export const DEFAULT_TABLE_NAME = 'archive_records';
/** Prefix of query results in the results bucket. */
export const RESULTS_PREFIX = 'athena-results/';

export interface QueryCatalogProps {
  /** The archive bucket holding records/ batch objects. */
  readonly archiveBucket: s3.IBucket;
  /** The archive's KMS key: readers need it to decrypt records; results are encrypted with it unless resultsKey is given. */
  readonly archiveKey: kms.IKey;
  /** Every shard the writers may use (partition projection enumerates them; see glue-schema.ts). */
  readonly shards: readonly string[];
  /** First commit day to project, YYYY-MM-DD; default DEFAULT_PROJECTION_START_DATE. Must not be after the archive's first record. */
  readonly projectionStartDate?: string;
  /**
   * The name of the Glue database and the Athena workgroup, each spelled as its
   * service accepts (the database lowercase with underscores). Both are unique
   * per account and region, hence the stack name in the default.
   * @default "immutrail-<stack name>": database immutrail_<stack name, lowercase>, workgroup immutrail-<stack name>
   */
  readonly catalogName?: string;
  /** Glue database name (lowercase). @default catalogName's database spelling */
  readonly databaseName?: string;
  /** Glue table name (not "records": that is the relation the queries read). @default "archive_records" */
  readonly tableName?: string;
  /** Athena workgroup name. @default catalogName's workgroup spelling */
  readonly workGroupName?: string;
  /** Where query results go; default a bucket created here. */
  readonly resultsBucket?: s3.IBucket;
  /** Key for query results; default archiveKey. */
  readonly resultsKey?: kms.IKey;
  /** Days query results are kept in a created results bucket; default 30. */
  readonly resultsRetentionDays?: number;
  /** Server access logs of a created results bucket go here (prefix athena-results/). */
  readonly accessLogsBucket?: s3.IBucket;
  /** Athena cancels queries that scan more; default no limit. */
  readonly bytesScannedCutoffPerQuery?: number;
  /** Saved queries; default NAMED_QUERIES. */
  readonly namedQueries?: readonly NamedQuery[];
}

/**
 * Athena over the archive: a Glue database and table with partition
 * projection on the key layout, a workgroup that enforces its own
 * KMS-encrypted results location and publishes CloudWatch metrics, and one
 * saved (named) query per entry of NAMED_QUERIES, in their Athena form
 * (the records preamble plus the body with `?` placeholders).
 */
export class QueryCatalog extends Construct {
  readonly databaseName: string;
  readonly tableName: string;
  readonly workGroupName: string;
  readonly resultsBucket: s3.IBucket;
  readonly resultsKey: kms.IKey;
  readonly database: glue.CfnDatabase;
  readonly table: glue.CfnTable;
  readonly workGroup: athena.CfnWorkGroup;
  /** Saved queries by name. */
  readonly namedQueries: ReadonlyMap<string, athena.CfnNamedQuery>;

  private readonly archiveBucket: s3.IBucket;
  private readonly archiveKey: kms.IKey;

  constructor(scope: Construct, id: string, props: QueryCatalogProps) {
    super(scope, id);
    const names = catalogNames(props.catalogName ?? defaultCatalogName(stackNameOf(this)));
    this.databaseName = props.databaseName ?? names.databaseName;
    this.tableName = props.tableName ?? DEFAULT_TABLE_NAME;
    this.workGroupName = props.workGroupName ?? names.workGroupName;
    this.archiveBucket = props.archiveBucket;
    this.archiveKey = props.archiveKey;
    this.resultsKey = props.resultsKey ?? props.archiveKey;
    this.resultsBucket = props.resultsBucket ?? this.createResultsBucket(props);

    this.database = new glue.CfnDatabase(this, 'Database', {
      catalogId: Aws.ACCOUNT_ID,
      databaseInput: {
        name: this.databaseName,
        description: 'immutrail: the tamper-evident audit archive, one row per record',
      },
    });

    const bucketName = props.archiveBucket.bucketName;
    this.table = new glue.CfnTable(this, 'Table', {
      catalogId: Aws.ACCOUNT_ID,
      databaseName: this.databaseName,
      tableInput: {
        name: this.tableName,
        description:
          'Batch objects of the archive (records/shard=/dt=/*.ndjson), one row per record line, orphans included: query the records relation of the named queries instead',
        tableType: 'EXTERNAL_TABLE',
        parameters: glueTableParameters(bucketName, { shards: props.shards, startDate: props.projectionStartDate }),
        partitionKeys: gluePartitionKeys(),
        storageDescriptor: {
          location: recordsLocation(bucketName),
          inputFormat: TEXT_INPUT_FORMAT,
          outputFormat: TEXT_OUTPUT_FORMAT,
          serdeInfo: { serializationLibrary: JSON_SERDE, parameters: { ...SERDE_PARAMETERS } },
          columns: glueColumns(),
        },
      },
    });
    this.table.addResourceDependency(this.database);

    this.workGroup = new athena.CfnWorkGroup(this, 'WorkGroup', {
      name: this.workGroupName,
      description: 'immutrail audit queries; results encrypted with KMS in a location the workgroup enforces',
      state: 'ENABLED',
      // the saved queries live in the workgroup; without this, deleting the stack fails on them
      recursiveDeleteOption: true,
      workGroupConfiguration: {
        enforceWorkGroupConfiguration: true,
        publishCloudWatchMetricsEnabled: true,
        requesterPaysEnabled: false,
        engineVersion: { selectedEngineVersion: 'Athena engine version 3' },
        ...(props.bytesScannedCutoffPerQuery !== undefined ? { bytesScannedCutoffPerQuery: props.bytesScannedCutoffPerQuery } : {}),
        resultConfiguration: {
          outputLocation: `s3://${this.resultsBucket.bucketName}/${RESULTS_PREFIX}`,
          expectedBucketOwner: Aws.ACCOUNT_ID,
          encryptionConfiguration: { encryptionOption: 'SSE_KMS', kmsKey: this.resultsKey.keyArn },
        },
      },
    });

    const saved = new Map<string, athena.CfnNamedQuery>();
    for (const q of props.namedQueries ?? NAMED_QUERIES) {
      const params = q.parameters.map((p) => `${p.name} (${p.default === undefined ? 'required' : `default ${p.default || "''"}`})`);
      const named = new athena.CfnNamedQuery(this, `Query-${q.name}`, {
        name: `immutrail ${q.name}`,
        description: truncate(`${q.description}${params.length ? ` Parameters, in order of the ? marks: ${params.join(', ')}.` : ''}`, 1024),
        database: this.databaseName,
        workGroup: this.workGroup.ref,
        queryString: athenaNamedQueryText(q, this.databaseName, this.tableName),
      });
      named.addResourceDependency(this.table);
      saved.set(q.name, named);
    }
    this.namedQueries = saved;
  }

  /**
   * Lets a principal run queries in the workgroup: Athena calls on it, the
   * Glue catalog objects, read access to the archive's records, and the results
   * bucket and keys.
   */
  grantQuery(grantee: iam.IGrantable): void {
    const stack = Stack.of(this);
    const workGroupArn = stack.formatArn({ service: 'athena', resource: 'workgroup', resourceName: this.workGroupName });
    iam.Grant.addToPrincipal({
      grantee,
      actions: [
        'athena:StartQueryExecution',
        'athena:GetQueryExecution',
        'athena:GetQueryResults',
        'athena:StopQueryExecution',
        'athena:GetWorkGroup',
        'athena:ListNamedQueries',
        'athena:GetNamedQuery',
        'athena:BatchGetNamedQuery',
      ],
      resourceArns: [workGroupArn],
    });
    iam.Grant.addToPrincipal({
      grantee,
      actions: ['glue:GetDatabase', 'glue:GetTable', 'glue:GetPartition', 'glue:GetPartitions'],
      resourceArns: [
        stack.formatArn({ service: 'glue', resource: 'catalog' }),
        stack.formatArn({ service: 'glue', resource: 'database', resourceName: this.databaseName }),
        stack.formatArn({ service: 'glue', resource: 'table', resourceName: `${this.databaseName}/${this.tableName}` }),
      ],
    });
    this.archiveBucket.grantRead(grantee, `${RECORDS_PREFIX}*`);
    this.archiveKey.grantDecrypt(grantee);
    this.resultsBucket.grantReadWrite(grantee, `${RESULTS_PREFIX}*`);
    this.resultsKey.grantEncryptDecrypt(grantee);
  }

  private createResultsBucket(props: QueryCatalogProps): s3.Bucket {
    const bucket = new s3.Bucket(this, 'Results', {
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: this.resultsKey,
      bucketKeyEnabled: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      lifecycleRules: [{ expiration: Duration.days(props.resultsRetentionDays ?? 30), abortIncompleteMultipartUploadAfter: Duration.days(1) }],
      // results are derived data, but removing a bucket with objects fails anyway; keep it and let the lifecycle empty it
      removalPolicy: RemovalPolicy.RETAIN,
      ...(props.accessLogsBucket ? { serverAccessLogsBucket: props.accessLogsBucket, serverAccessLogsPrefix: RESULTS_PREFIX } : {}),
    });
    if (!props.accessLogsBucket) {
      acknowledge(
        bucket,
        'AwsSolutions-S1',
        'Athena query results are derived, short-lived copies of archived records; every query that writes them is already recorded by CloudTrail and by the workgroup metrics.',
      );
    }
    return bucket;
  }
}

/** The stack's name; a nested stack's is a token until deployment, so its unique id stands in. */
function stackNameOf(scope: Construct): string {
  const stack = Stack.of(scope);
  return Token.isUnresolved(stack.stackName) ? Names.uniqueId(stack) : stack.stackName;
}

function truncate(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}
