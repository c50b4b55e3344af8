import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import { PARTITION_KEYS, batchKey, parseBatchKey } from '../../lib/core/layout';
import { QueryCatalog, RESULTS_PREFIX } from '../../lib/construct/query-catalog';
import { athenaNamedQueryText } from '../../lib/query/athena-sql';
import { NAMED_QUERIES } from '../../lib/query/named-queries';

const SHARDS = ['api', 'ec2', 'ecs'];
const BUCKET = 'immutrail-archive-test';

/** The value of a template string after CloudFormation substitutes the bucket name. */
function substitute(value: unknown): string {
  if (typeof value === 'string') return value;
  const join = (value as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
  if (join) return join[1].map((p) => (typeof p === 'string' ? p : p && typeof p === 'object' && 'Ref' in p ? BUCKET : substitute(p))).join(join[0]);
  throw new Error(`cannot resolve ${JSON.stringify(value)}`);
}

/** Fills a projection location template with partition values, as Athena does. */
function fill(template: string, values: Record<string, string>): string {
  return template.replace(/\$\{([a-z_]+)\}/g, (_, name: string) => {
    if (!(name in values)) throw new Error(`template names unknown partition ${name}`);
    return values[name];
  });
}

describe('QueryCatalog template', () => {
  let template: Template;
  let tableInput: Record<string, any>;
  let params: Record<string, string>;

  beforeAll(() => {
    const app = new App();
    const stack = new Stack(app, 'QueryCatalogTest', { env: { account: '111111111111', region: 'us-east-1' } });
    const key = new kms.Key(stack, 'ArchiveKey');
    const bucket = new s3.Bucket(stack, 'Archive', { bucketName: BUCKET, encryption: s3.BucketEncryption.KMS, encryptionKey: key });
    new QueryCatalog(stack, 'Query', { archiveBucket: bucket, archiveKey: key, shards: SHARDS, projectionStartDate: '2026-01-01' });
    template = Template.fromStack(stack);
    const tables = Object.values(template.findResources('AWS::Glue::Table'));
    expect(tables).toHaveLength(1);
    tableInput = tables[0].Properties.TableInput;
    params = Object.fromEntries(Object.entries(tableInput.Parameters as Record<string, unknown>).map(([k, v]) => [k, substitute(v)]));
  });

  it('projects the partitions of the key layout: shard as an enum of the shards, dt as days from the start date to now', () => {
    expect(tableInput.PartitionKeys.map((k: { Name: string }) => k.Name)).toEqual(PARTITION_KEYS.map((k) => k.name));
    expect(params).toMatchObject({
      'projection.enabled': 'true',
      'projection.shard.type': 'enum',
      'projection.shard.values': SHARDS.join(','),
      'projection.dt.type': 'date',
      'projection.dt.format': 'yyyy-MM-dd',
      'projection.dt.range': '2026-01-01,NOW',
      'projection.dt.interval': '1',
      'projection.dt.interval.unit': 'DAYS',
    });
  });

  it('locates partitions where the writer puts batch objects', () => {
    const key = batchKey({ shard: 'ecs', date: '2026-03-14', firstSeq: 41, lastSeq: 57, batchId: '0123456789abcdef' });
    const parsed = parseBatchKey(key)!;
    const template = params['storage.location.template'];
    expect(template).toBe(`s3://${BUCKET}/records/shard=\${shard}/dt=\${dt}/`);
    const partition = fill(template, { shard: parsed.shard, dt: parsed.date });
    const objectUri = `s3://${BUCKET}/${key}`;
    // the object lies directly in its partition's folder
    expect(objectUri.startsWith(partition)).toBe(true);
    expect(objectUri.slice(partition.length)).not.toContain('/');
    // the projected date format reads the key's date
    expect(parsed.date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(params['projection.dt.format']).toBe(PARTITION_KEYS.find((k) => k.name === 'dt')!.format);
    expect(substitute(tableInput.StorageDescriptor.Location)).toBe(`s3://${BUCKET}/records/`);
    expect(partition.startsWith(substitute(tableInput.StorageDescriptor.Location))).toBe(true);
  });

  it('reads records with the OpenX JSON SerDe, chain and data as nested structs', () => {
    const sd = tableInput.StorageDescriptor;
    expect(sd.SerdeInfo).toEqual({
      SerializationLibrary: 'org.openx.data.jsonserde.JsonSerDe',
      Parameters: { 'case.insensitive': 'TRUE', 'ignore.malformed.json': 'FALSE', 'dots.in.keys': 'FALSE' },
    });
    const columns = Object.fromEntries(sd.Columns.map((c: { Name: string; Type: string }) => [c.Name, c.Type]));
    expect(Object.keys(columns)).toEqual(['chain', 'data']);
    expect(columns.chain).toBe('struct<v:int,shard:string,seq:bigint,prev:string,kind:string,id:string,time:string>');
    expect(columns.data).toContain('event:struct<eventid:string,eventtime:string,');
    expect(columns.data).toContain('resources:array<struct<type:string,id:string,arn:string>>');
    expect(columns.data).toContain('raw:string');
    expect(tableInput.TableType).toBe('EXTERNAL_TABLE');
  });

  it('has a workgroup that enforces its KMS-encrypted results location and publishes metrics', () => {
    template.hasResourceProperties('AWS::Athena::WorkGroup', {
      WorkGroupConfiguration: {
        EnforceWorkGroupConfiguration: true,
        PublishCloudWatchMetricsEnabled: true,
        ResultConfiguration: {
          EncryptionConfiguration: { EncryptionOption: 'SSE_KMS', KmsKey: { 'Fn::GetAtt': [Match.stringLikeRegexp('ArchiveKey'), 'Arn'] } },
          OutputLocation: { 'Fn::Join': ['', ['s3://', { Ref: Match.stringLikeRegexp('QueryResults') }, `/${RESULTS_PREFIX}`]] },
        },
      },
    });
  });

  it('creates the results bucket encrypted with the KMS key, TLS only, no public access', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          { ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: { 'Fn::GetAtt': [Match.stringLikeRegexp('ArchiveKey'), 'Arn'] } } },
        ],
      },
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      LifecycleConfiguration: { Rules: Match.arrayWith([Match.objectLike({ ExpirationInDays: 30 })]) },
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: Match.stringLikeRegexp('QueryResults') },
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
  });

  it('saves one named query per entry, in its Athena form, in the workgroup', () => {
    const saved = Object.values(template.findResources('AWS::Athena::NamedQuery')).map((r) => r.Properties);
    expect(saved.map((p) => p.Name).sort()).toEqual(NAMED_QUERIES.map((q) => `immutrail ${q.name}`).sort());
    for (const q of NAMED_QUERIES) {
      const p = saved.find((s) => s.Name === `immutrail ${q.name}`)!;
      expect(p.QueryString).toBe(athenaNamedQueryText(q, 'immutrail_querycatalogtest', 'archive_records'));
      expect(p.Database).toBe('immutrail_querycatalogtest');
      expect(p.WorkGroup).toEqual({ Ref: expect.stringMatching(/WorkGroup/) });
      expect(p.Description.length).toBeLessThanOrEqual(1024);
    }
  });

  it('names the database and the workgroup after the stack, so two stacks in one account and region do not collide', () => {
    const app = new App();
    const built = ['Immutrail', 'Immutrail-Staging'].map((name) => {
      const stack = new Stack(app, name, { env: { account: '111111111111', region: 'us-east-1' } });
      const key = new kms.Key(stack, 'ArchiveKey');
      return {
        stack,
        catalog: new QueryCatalog(stack, 'Query', { archiveBucket: new s3.Bucket(stack, 'Archive', { encryptionKey: key }), archiveKey: key, shards: SHARDS }),
      };
    });
    const catalogs = built.map(({ stack, catalog }) => {
      const t = Template.fromStack(stack);
      const [database] = Object.values(t.findResources('AWS::Glue::Database')).map((r) => r.Properties.DatabaseInput.Name);
      const [workGroup] = Object.values(t.findResources('AWS::Athena::WorkGroup')).map((r) => r.Properties.Name);
      const [table] = Object.values(t.findResources('AWS::Glue::Table')).map((r) => r.Properties.DatabaseName);
      expect([database, workGroup, table]).toEqual([catalog.databaseName, catalog.workGroupName, catalog.databaseName]);
      return { database, workGroup };
    });
    expect(catalogs).toEqual([
      { database: 'immutrail_immutrail', workGroup: 'immutrail-Immutrail' },
      { database: 'immutrail_immutrail_staging', workGroup: 'immutrail-Immutrail-Staging' },
    ]);
    for (const c of catalogs) expect(c.database).toMatch(/^[a-z0-9_]{1,255}$/);
  });

  it('takes one name for both when given ("immutrail" keeps the fixed names of earlier deployments), and a name per service over it', () => {
    const app = new App();
    const stack = new Stack(app, 'Named', { env: { account: '111111111111', region: 'us-east-1' } });
    const key = new kms.Key(stack, 'ArchiveKey');
    const bucket = new s3.Bucket(stack, 'Archive', { encryptionKey: key });
    const one = new QueryCatalog(stack, 'One', { archiveBucket: bucket, archiveKey: key, shards: SHARDS, catalogName: 'immutrail' });
    expect([one.databaseName, one.workGroupName]).toEqual(['immutrail', 'immutrail']);
    const both = new QueryCatalog(stack, 'Both', {
      archiveBucket: bucket,
      archiveKey: key,
      shards: SHARDS,
      catalogName: 'audit',
      databaseName: 'db',
      workGroupName: 'wg',
    });
    expect([both.databaseName, both.workGroupName]).toEqual(['db', 'wg']);
  });

  it('grants a reader the workgroup, the table, the records and both keys', () => {
    const app = new App();
    const stack = new Stack(app, 'Grant', { env: { account: '111111111111', region: 'us-east-1' } });
    const key = new kms.Key(stack, 'ArchiveKey');
    const bucket = new s3.Bucket(stack, 'Archive', { encryptionKey: key });
    const catalog = new QueryCatalog(stack, 'Query', { archiveBucket: bucket, archiveKey: key, shards: SHARDS });
    const role = new iam.Role(stack, 'Auditor', { assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com') });
    catalog.grantQuery(role);
    const statements = Object.values(Template.fromStack(stack).findResources('AWS::IAM::Policy')).flatMap(
      (p) => p.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[],
    );
    const actions = statements.flatMap((s) => [s.Action].flat());
    expect(actions).toEqual(expect.arrayContaining(['athena:StartQueryExecution', 'athena:GetQueryResults', 'glue:GetTable', 's3:GetObject*', 'kms:Decrypt']));
    // on the archive itself: reading only
    const archiveId = stack.getLogicalId(bucket.node.defaultChild as s3.CfnBucket);
    const onArchive = statements.filter((s) => JSON.stringify(s.Resource).includes(archiveId)).flatMap((s) => [s.Action].flat());
    expect(onArchive.length).toBeGreaterThan(0);
    expect(onArchive.every((a) => /^s3:(Get|List)/.test(a))).toBe(true);
  });
});
