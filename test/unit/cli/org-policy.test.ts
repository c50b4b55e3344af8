import { describe, expect, it } from 'vitest';
import { orgAccess, OrgAccessError } from '../../../lib/contract/org-access';
import { cli } from '../../support/cli';

const ingest = 'arn:aws:iam::999988887777:role/Immutrail-AuditTrailIngestRole-ABC';
const reconcile = 'arn:aws:iam::999988887777:role/Immutrail-AuditTrailReconcileRole-DEF';
const watchdog = 'arn:aws:iam::999988887777:role/Immutrail-AuditTrailWatchdogRole-GHI';

// Issue 14: the statements the log-archive account adds, printed so that nobody writes them by hand.
describe('org-access: what the log-archive account adds for the audit stack', () => {
  const access = orgAccess({
    trailBucket: 'org-trail-logs',
    trailPrefix: 'org/',
    trailKeyArn: 'arn:aws:kms:eu-west-1:111100002222:key/k',
    readerRoleArns: [ingest, reconcile],
    auditAccount: '999988887777',
    region: 'eu-west-1',
  });

  it('lets exactly the reader roles get log files under the prefix and list it, and nothing else', () => {
    expect(access.bucketPolicyStatements).toEqual([
      {
        Sid: 'ImmutrailReadTrailLogFiles',
        Effect: 'Allow',
        Principal: { AWS: [ingest, reconcile] },
        Action: ['s3:GetObject'],
        Resource: 'arn:aws:s3:::org-trail-logs/org/*',
      },
      {
        Sid: 'ImmutrailListTrailLogFiles',
        Effect: 'Allow',
        Principal: { AWS: [ingest, reconcile] },
        Action: ['s3:ListBucket'],
        Resource: 'arn:aws:s3:::org-trail-logs',
        Condition: { StringLike: { 's3:prefix': 'org/*' } },
      },
    ]);
    const actions = access.bucketPolicyStatements.flatMap((x) => x.Action);
    expect(actions.some((a) => /Delete|Put|\*/.test(a))).toBe(false);
  });

  it("adds the watchdog's role to the ListBucket statement only: it lists key names, never reads or decrypts a log file", () => {
    const withLister = orgAccess({
      trailBucket: 'org-trail-logs',
      trailPrefix: 'org/',
      trailKeyArn: 'arn:aws:kms:eu-west-1:111100002222:key/k',
      readerRoleArns: [ingest, reconcile],
      listerRoleArns: [watchdog],
      auditAccount: '999988887777',
      region: 'eu-west-1',
    });
    const [read, list] = withLister.bucketPolicyStatements;
    expect(read!.Principal).toEqual({ AWS: [ingest, reconcile] });
    expect(list).toMatchObject({
      Action: ['s3:ListBucket'],
      Principal: { AWS: [ingest, reconcile, watchdog] },
      Condition: { StringLike: { 's3:prefix': 'org/*' } },
    });
    expect(withLister.keyPolicyStatements.map((k) => k.Principal)).toEqual([{ AWS: [ingest, reconcile] }]);
    // a role named both ways is listed once
    const twice = orgAccess({
      trailBucket: 'b',
      trailPrefix: '',
      readerRoleArns: [ingest],
      listerRoleArns: [ingest, watchdog],
      auditAccount: '999988887777',
      region: 'eu-west-1',
    });
    expect(twice.bucketPolicyStatements[1]!.Principal).toEqual({ AWS: [ingest, watchdog] });
    expect(() =>
      orgAccess({
        trailBucket: 'b',
        trailPrefix: '',
        readerRoleArns: [ingest],
        listerRoleArns: ['watchdog'],
        auditAccount: '999988887777',
        region: 'eu-west-1',
      }),
    ).toThrow(OrgAccessError);
  });

  it("lets them decrypt through S3 only, and forwards only the bucket's new objects under the prefix to the audit bus", () => {
    expect(access.keyPolicyStatements).toEqual([
      expect.objectContaining({ Action: ['kms:Decrypt'], Condition: { StringEquals: { 'kms:ViaService': 's3.eu-west-1.amazonaws.com' } } }),
    ]);
    expect(access.forwardRule.eventPattern).toEqual({
      source: ['aws.s3'],
      'detail-type': ['Object Created'],
      detail: { bucket: { name: ['org-trail-logs'] }, object: { key: [{ prefix: 'org/' }] } },
    });
    expect(access.forwardRule.targetArn).toBe('arn:aws:events:eu-west-1:999988887777:event-bus/default');
    expect(access.auditBusPolicyStatement('111100002222')).toMatchObject({
      Principal: { AWS: ['arn:aws:iam::111100002222:root'] },
      Action: ['events:PutEvents'],
    });
  });

  it('notifies the ingest queue of new log files under the prefix, when given the queue (the default delivery)', () => {
    const queueArn = 'arn:aws:sqs:eu-west-1:999988887777:Immutrail-AuditTrailIngestQueue-XYZ';
    const withQueue = orgAccess({
      trailBucket: 'org-trail-logs',
      trailPrefix: 'org/',
      readerRoleArns: [ingest],
      auditAccount: '999988887777',
      region: 'eu-west-1',
      queueArn,
    });
    expect(withQueue.bucketNotification).toEqual({
      QueueConfigurations: [
        {
          Id: 'immutrail-trail-log-files',
          QueueArn: queueArn,
          Events: ['s3:ObjectCreated:*'],
          Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'org/' }] } },
        },
      ],
    });
    const noPrefix = orgAccess({ trailBucket: 'b', trailPrefix: '', readerRoleArns: [ingest], auditAccount: '999988887777', region: 'eu-west-1', queueArn });
    expect(noPrefix.bucketNotification!.QueueConfigurations[0].Filter).toBeUndefined();
    expect(access.bucketNotification).toBeUndefined();
    // S3 notifies a queue of its own region only, and the queue must be the audit account's
    for (const bad of ['arn:aws:sqs:us-east-1:999988887777:q', 'arn:aws:sqs:eu-west-1:111100002222:q', 'not-an-arn']) {
      expect(
        () => orgAccess({ trailBucket: 'b', trailPrefix: '', readerRoleArns: [ingest], auditAccount: '999988887777', region: 'eu-west-1', queueArn: bad }),
        bad,
      ).toThrow(OrgAccessError);
    }
  });

  it('refuses values that would make the statements wrong', () => {
    expect(() => orgAccess({ trailBucket: 'b', trailPrefix: '', readerRoleArns: ['not-a-role'], auditAccount: '999988887777', region: 'eu-west-1' })).toThrow(
      OrgAccessError,
    );
    expect(() => orgAccess({ trailBucket: 'b', trailPrefix: '', readerRoleArns: [], auditAccount: '999988887777', region: 'eu-west-1' })).toThrow(
      OrgAccessError,
    );
    expect(() => access.auditBusPolicyStatement('12')).toThrow(OrgAccessError);
  });
});

describe('immutrail org-policy', () => {
  it('prints the statements as JSON for the given roles; a bad value or no role exits 2 with one line', async () => {
    const ok = await cli(
      'org-policy',
      '--trail-bucket',
      'org-trail-logs',
      '--reader-role-arns',
      `${ingest},${reconcile}`,
      '--region',
      'eu-west-1',
      '--notifications',
      'eventbridge',
      '--log-archive-account',
      '111100002222',
    );
    expect(ok.code).toBe(0);
    const printed = JSON.parse(ok.stdout);
    expect(printed.logArchiveAccount.trailBucketPolicyStatements[0].Resource).toBe('arn:aws:s3:::org-trail-logs/*');
    expect(printed.logArchiveAccount.trailKeyPolicyStatements).toEqual([]);
    expect(printed.logArchiveAccount.eventBridge.target.Arn).toBe('arn:aws:events:eu-west-1:999988887777:event-bus/default');
    expect(printed.auditAccount.defaultBusPolicyStatement.Principal.AWS).toEqual(['arn:aws:iam::111100002222:root']);
    expect(printed.logArchiveAccount.bucketNotification).toBeUndefined();
    const queueArn = 'arn:aws:sqs:eu-west-1:999988887777:Immutrail-AuditTrailIngestQueue-XYZ';
    const queued = await cli(
      'org-policy',
      '--trail-bucket',
      'org-trail-logs',
      '--trail-prefix',
      'org/',
      '--reader-role-arns',
      ingest,
      '--region',
      'eu-west-1',
      '--queue-arn',
      queueArn,
    );
    expect(queued.code).toBe(0);
    const q = JSON.parse(queued.stdout);
    expect(q.logArchiveAccount.bucketNotification.notificationConfiguration.QueueConfigurations[0].QueueArn).toBe(queueArn);
    expect(q.logArchiveAccount.eventBridge).toBeUndefined();
    expect(q.logArchiveAccount.trailBucketPolicyStatements).toHaveLength(2);
    const listed = await cli(
      'org-policy',
      '--trail-bucket',
      'org-trail-logs',
      '--reader-role-arns',
      ingest,
      '--lister-role-arns',
      ` ${watchdog} `,
      '--region',
      'eu-west-1',
      '--queue-arn',
      queueArn,
    );
    expect(listed.code).toBe(0);
    const [readStatement, listStatement] = JSON.parse(listed.stdout).logArchiveAccount.trailBucketPolicyStatements;
    expect(readStatement.Principal.AWS).toEqual([ingest]);
    expect(listStatement.Principal.AWS).toEqual([ingest, watchdog]);
    for (const args of [
      ['--reader-role-arns', 'nope'],
      ['--reader-role-arns', ingest, '--lister-role-arns', 'nope', '--queue-arn', queueArn],
      [],
      ['--reader-role-arns', ingest],
      ['--reader-role-arns', ingest, '--notifications', 'sns'],
    ]) {
      const bad = await cli('org-policy', '--trail-bucket', 'org-trail-logs', ...args);
      expect(bad.code).toBe(2);
      expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    }
  });
});
