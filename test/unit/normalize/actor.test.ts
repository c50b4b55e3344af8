import { describe, expect, it } from 'vitest';
import { normalizeEvent } from '../../../lib/core/normalize';
import { fixture } from './fixtures';

const CT_GUIDE = 'awsdocs-aws-cloudtrail-user-guide.cloudtrail.ndjson';

const actorOf = (file: string, line: number) => normalizeEvent(fixture(file, line)).actor;

describe('who: the actor behind an event', () => {
  it('console sign-in without MFA (additionalEventData.MFAUsed "No")', () => {
    expect(actorOf(CT_GUIDE, 1)).toMatchObject({
      type: 'IAMUser',
      arn: 'arn:aws:iam::111122223333:user/anaya',
      userName: 'anaya',
      console: true,
      mfa: false,
    });
  });

  it('console sign-in with MFA (MFAUsed "Yes")', () => {
    expect(actorOf(CT_GUIDE, 2)).toMatchObject({ userName: 'anaya', console: true, mfa: true });
  });

  it('failed console sign-in: no ARN, empty access key read as none, the failure message kept', () => {
    const e = normalizeEvent(fixture(CT_GUIDE, 3));
    expect(e.actor).toMatchObject({ arn: null, accessKeyId: null, userName: 'anaya', console: true, mfa: true });
    expect(e.errorMessage).toBe('Failed authentication');
  });

  it('root console sign-in', () => {
    expect(actorOf('panther-analysis.cloudtrail.ndjson', 5)).toMatchObject({
      type: 'Root',
      arn: 'arn:aws:iam::123456789012:root',
      console: true,
      mfa: false,
    });
  });

  it('a sign-in is a console event whatever its user agent says', () => {
    const a = actorOf('stratus-red-team.cloudtrail.ndjson', 8);
    expect(a.userAgent).toMatch(/^stratus-red-team_/);
    expect(a).toMatchObject({ console: true, mfa: false });
  });

  it('sessionCredentialFromConsole "true" marks console use even behind "AWS Internal"', () => {
    const a = actorOf('cloud-custodian.eventbridge.ndjson', 7);
    expect(a).toMatchObject({ userAgent: 'AWS Internal', sourceIp: 'AWS Internal', console: true, mfa: false, sessionName: 'pmuniswamy' });
  });

  it('console frontends recognised by user agent', () => {
    expect(actorOf('cloud-custodian.eventbridge.ndjson', 3)).toMatchObject({ userAgent: '[S3Console/0.4]', console: true });
    expect(actorOf('awsdocs-amazon-ecr-user-guide.cloudtrail.ndjson', 2)).toMatchObject({ userAgent: 'console.amazonaws.com', console: true });
  });

  it('CLI call: not console, MFA unknown when the event does not say', () => {
    expect(actorOf('awsdocs-iam-user-guide.cloudtrail.ndjson', 1)).toMatchObject({
      type: 'IAMUser',
      userName: 'JohnDoe',
      accessKeyId: 'AKIAQRSTUVWXYZEXAMPLE',
      sourceIp: '192.0.2.101',
      console: false,
      mfa: null,
    });
  });

  it('federated user: the issuing IAM user is the session issuer; no role session name', () => {
    expect(actorOf('stratus-red-team.cloudtrail.ndjson', 15)).toMatchObject({
      type: 'FederatedUser',
      arn: 'arn:aws:sts::742491224508:federated-user/stratus_red_team',
      sessionName: null,
      sessionIssuerArn: 'arn:aws:iam::742491224508:user/stratus-red-team-user-federation-user',
    });
  });

  it('AWS service principal: invokedBy, no ARN', () => {
    expect(actorOf('trailscraper.cloudtrail.ndjson', 1)).toMatchObject({
      type: 'AWSService',
      arn: null,
      invokedBy: 'config.amazonaws.com',
      sourceIp: 'config.amazonaws.com',
      console: false,
    });
  });

  it('a record with no userIdentity at all has an all-null actor', () => {
    const e = normalizeEvent({
      eventVersion: '1.08',
      eventID: '0d3c2b1a-0000-4000-8000-000000000001',
      eventTime: '2024-05-01T10:00:00Z',
      eventSource: 'kms.amazonaws.com',
      eventName: 'RotateKey',
      awsRegion: 'eu-west-1',
      requestParameters: null,
      responseElements: null,
    });
    expect(e.actor).toEqual({
      type: null,
      arn: null,
      principalId: null,
      accountId: null,
      userName: null,
      sessionName: null,
      sessionIssuerArn: null,
      sourceIdentity: null,
      invokedBy: null,
      accessKeyId: null,
      sourceIp: null,
      userAgent: null,
      console: false,
      mfa: null,
    });
  });

  it('session name falls back to the principal id when the ARN has none', () => {
    const e = normalizeEvent({
      eventID: '0d3c2b1a-0000-4000-8000-000000000002',
      eventTime: '2024-05-01T10:00:00Z',
      eventSource: 'ec2.amazonaws.com',
      eventName: 'StopInstances',
      userIdentity: { type: 'AssumedRole', principalId: 'AROAEXAMPLE:deploy-42', sessionContext: { attributes: { mfaAuthenticated: true } } },
    });
    expect(e.actor).toMatchObject({ sessionName: 'deploy-42', mfa: true });
  });
});
