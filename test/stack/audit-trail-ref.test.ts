import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { describe, expect, it } from 'vitest';
import { ImportedAuditTrail } from '../../lib/construct/audit-trail-ref';

const ATTRS = {
  bucketName: 'immutrail-archive-111111111111',
  tableName: 'immutrail-index',
  alertTopicArn: 'arn:aws:sns:eu-west-1:111111111111:immutrail-alerts',
  signingKeyArn: 'arn:aws:kms:eu-west-1:111111111111:key/11111111-2222-3333-4444-555555555555',
  origin: 'immutrail/111111111111/eu-west-1/Immutrail/AuditTrail',
  dataKeyArn: 'arn:aws:kms:eu-west-1:111111111111:key/99999999-8888-7777-6666-555555555555',
};

function imported() {
  const stack = new Stack(new App(), 'Consumer', { env: { account: '111111111111', region: 'eu-west-1' } });
  const trail = new ImportedAuditTrail(stack, 'Trail', ATTRS);
  const role = new iam.Role(stack, 'Auditor', { assumedBy: new iam.AccountRootPrincipal() });
  return { stack, trail, role };
}

describe('an audit trail from its outputs (IAuditTrail)', () => {
  it("grants an auditor read only: the archive and index with decrypt on the data key, and the signing key's public key", () => {
    const { stack, trail, role } = imported();
    trail.grantRead(role);
    const statements = Template.fromStack(stack).findResources('AWS::IAM::Policy');
    const json = JSON.stringify(statements);
    expect(json).toContain('s3:GetObject*');
    expect(json).toContain(ATTRS.bucketName);
    expect(json).toContain('kms:Decrypt');
    expect(json).toContain(ATTRS.dataKeyArn);
    expect(json).toContain('kms:GetPublicKey');
    expect(json).toContain(ATTRS.signingKeyArn);
    // Read only: nothing that writes, deletes or changes retention.
    expect(json).toContain('dynamodb:Query');
    expect(json).not.toMatch(/s3:(PutObject|DeleteObject|PutObjectRetention)|dynamodb:(PutItem|UpdateItem|DeleteItem)|kms:Sign"/);
  });

  it("charts the handlers' metrics where they land (namespace immutrail, dimension service)", () => {
    const { stack, trail } = imported();
    const m = trail.metricRecordsCommitted();
    expect(m.namespace).toBe('immutrail');
    expect(m.metricName).toBe('RecordsCommitted');
    expect(m.dimensions).toEqual({ service: 'ingest' });
    expect(m.statistic).toBe('Sum');
    expect(trail.metric('LogFilesFailed').dimensions).toEqual({ service: 'reconcile' });
    trail.metricFailedShards().createAlarm(stack, 'Failed', { threshold: 0, evaluationPeriods: 1 });
    Template.fromStack(stack).hasResourceProperties('AWS::CloudWatch::Alarm', Match.objectLike({ Namespace: 'immutrail', MetricName: 'FailedShards' }));
  });
});
