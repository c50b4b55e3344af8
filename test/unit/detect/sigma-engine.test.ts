import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SigmaRuleError } from '../../../lib/core/detect/sigma/errors';
import { loadSigmaRules } from '../../../lib/core/detect/sigma/loader';
import { parseSigmaRule } from '../../../lib/core/detect/sigma/loader';
import type { JsonObject } from '../../../lib/core/json';

/** A rule with the given detection section (YAML text, indented under `detection:`). */
function rule(detection: string, extra = ''): string {
  return `title: Test rule
id: 00000000-0000-0000-0000-000000000001
status: test
logsource:
  product: aws
  service: cloudtrail
detection:
${detection
  .trim()
  .split('\n')
  .map((l) => `  ${l}`)
  .join('\n')}
level: high
${extra}`;
}

function matcher(detection: string): (r: JsonObject) => boolean {
  const compiled = parseSigmaRule(rule(detection), 'test.yml');
  return (r) => compiled.matches(r);
}

function rejection(text: string, file = 'rules/bad.yml'): SigmaRuleError {
  try {
    parseSigmaRule(text, file);
  } catch (e) {
    expect(e).toBeInstanceOf(SigmaRuleError);
    const err = e as SigmaRuleError;
    expect(err.file).toBe(file);
    expect(err.message.startsWith(`${file}: `)).toBe(true);
    return err;
  }
  throw new Error('rule loaded');
}

describe('sigma values: plain strings', () => {
  it('match the whole value, case-insensitively', () => {
    const m = matcher(`selection:\n  eventName: StopLogging\ncondition: selection`);
    expect(m({ eventName: 'StopLogging' })).toBe(true);
    expect(m({ eventName: 'stoplogging' })).toBe(true);
    expect(m({ eventName: 'StopLoggingNow' })).toBe(false);
    expect(m({ eventName: 'Stop' })).toBe(false);
    expect(m({})).toBe(false);
  });

  it('are case-sensitive with |cased', () => {
    const m = matcher(`selection:\n  eventName|cased: StopLogging\ncondition: selection`);
    expect(m({ eventName: 'StopLogging' })).toBe(true);
    expect(m({ eventName: 'stoplogging' })).toBe(false);
  });

  it('support * and ? wildcards, and escapes for them', () => {
    const star = matcher(`selection:\n  eventName: Put*Policy\ncondition: selection`);
    expect(star({ eventName: 'PutBucketPolicy' })).toBe(true);
    expect(star({ eventName: 'PutPolicy' })).toBe(true);
    expect(star({ eventName: 'PutBucketPolicyX' })).toBe(false);
    const one = matcher(`selection:\n  awsRegion: us-east-?\ncondition: selection`);
    expect(one({ awsRegion: 'us-east-1' })).toBe(true);
    expect(one({ awsRegion: 'us-east-10' })).toBe(false);
    const escaped = matcher(`selection:\n  userAgent: 'a\\*b'\ncondition: selection`);
    expect(escaped({ userAgent: 'a*b' })).toBe(true);
    expect(escaped({ userAgent: 'axxb' })).toBe(false);
    const backslash = matcher(`selection:\n  userAgent: 'C:\\Windows\\x'\ncondition: selection`);
    expect(backslash({ userAgent: 'C:\\Windows\\x' })).toBe(true);
  });

  it('compare numbers and booleans as the JSON text', () => {
    const m = matcher(`selection:\n  responseElements.publiclyAccessible: 'true'\n  requestParameters.maxCount: 2\ncondition: selection`);
    expect(m({ responseElements: { publiclyAccessible: true }, requestParameters: { maxCount: 2 } })).toBe(true);
    expect(m({ responseElements: { publiclyAccessible: 'TRUE' }, requestParameters: { maxCount: '2' } })).toBe(true);
    expect(m({ responseElements: { publiclyAccessible: false }, requestParameters: { maxCount: 2 } })).toBe(false);
  });
});

describe('sigma values: modifiers', () => {
  it('contains, startswith, endswith', () => {
    const c = matcher(`selection:\n  userAgent|contains: TruffleHog\ncondition: selection`);
    expect(c({ userAgent: 'trufflehog/3.0 go' })).toBe(true);
    expect(c({ userAgent: 'aws-cli' })).toBe(false);
    const s = matcher(`selection:\n  eventName|startswith: UpdateFunctionConfiguration\ncondition: selection`);
    expect(s({ eventName: 'UpdateFunctionConfiguration20150331v2' })).toBe(true);
    expect(s({ eventName: 'XUpdateFunctionConfiguration' })).toBe(false);
    const e = matcher(`selection:\n  userIdentity.arn|endswith: ':root'\ncondition: selection`);
    expect(e({ userIdentity: { arn: 'arn:aws:iam::1:root' } })).toBe(true);
    expect(e({ userIdentity: { arn: 'arn:aws:iam::1:root/x' } })).toBe(false);
  });

  it('keeps wildcards inside contains; contains * means "present"', () => {
    const c = matcher(`selection:\n  errorMessage|contains: '*'\ncondition: selection`);
    expect(c({ errorMessage: 'Access denied' })).toBe(true);
    expect(c({ errorMessage: null })).toBe(false);
    expect(c({})).toBe(false);
    const inner = matcher(`selection:\n  requestParameters.policy|contains: 's3:*Object'\ncondition: selection`);
    expect(inner({ requestParameters: { policy: '{"Action":"s3:GetObject"}' } })).toBe(true);
    expect(inner({ requestParameters: { policy: '{"Action":"s3:ListBucket"}' } })).toBe(false);
  });

  it('lists are OR; |all makes them AND; |contains|all', () => {
    const any = matcher(`selection:\n  eventName:\n    - StopLogging\n    - DeleteTrail\ncondition: selection`);
    expect(any({ eventName: 'DeleteTrail' })).toBe(true);
    expect(any({ eventName: 'UpdateTrail' })).toBe(false);
    const all = matcher(`selection:\n  requestParameters.policyDocument|contains|all:\n    - s3:GetObject\n    - Allow\ncondition: selection`);
    expect(all({ requestParameters: { policyDocument: '{"Effect":"Allow","Action":"s3:GetObject"}' } })).toBe(true);
    expect(all({ requestParameters: { policyDocument: '{"Effect":"Deny","Action":"s3:GetObject"}' } })).toBe(false);
  });

  it('re is a case-sensitive search; re|i ignores case', () => {
    const re = matcher(`selection:\n  userIdentity.arn|re: ':assumed-role/aws:.+'\ncondition: selection`);
    expect(re({ userIdentity: { arn: 'arn:aws:sts::1:assumed-role/aws:ec2-instance/i-1' } })).toBe(true);
    expect(re({ userIdentity: { arn: 'arn:aws:sts::1:ASSUMED-ROLE/aws:ec2-instance/i-1' } })).toBe(false);
    const ri = matcher(`selection:\n  userIdentity.arn|re|i: ':assumed-role/aws:.+'\ncondition: selection`);
    expect(ri({ userIdentity: { arn: 'arn:aws:sts::1:ASSUMED-ROLE/AWS:x' } })).toBe(true);
  });

  it('fieldref compares with another field of the same record', () => {
    const m = matcher(`selection:\n  userIdentity.userName|fieldref: requestParameters.userName\ncondition: selection`);
    expect(m({ userIdentity: { userName: 'alice' }, requestParameters: { userName: 'Alice' } })).toBe(true);
    expect(m({ userIdentity: { userName: 'alice' }, requestParameters: { userName: 'bob' } })).toBe(false);
    expect(m({ userIdentity: { userName: 'alice' } })).toBe(false);
    const c = matcher(`selection:\n  userIdentity.arn|fieldref|endswith: requestParameters.userName\ncondition: selection`);
    expect(c({ userIdentity: { arn: 'arn:aws:iam::1:user/alice' }, requestParameters: { userName: 'alice' } })).toBe(true);
  });

  it('exists, cidr and numeric comparisons', () => {
    const ex = matcher(`selection:\n  errorCode|exists: false\ncondition: selection`);
    expect(ex({ eventName: 'x' })).toBe(true);
    expect(ex({ errorCode: 'AccessDenied' })).toBe(false);
    const cidr = matcher(`selection:\n  sourceIPAddress|cidr: 10.0.0.0/8\ncondition: selection`);
    expect(cidr({ sourceIPAddress: '10.1.2.3' })).toBe(true);
    expect(cidr({ sourceIPAddress: '11.1.2.3' })).toBe(false);
    expect(cidr({ sourceIPAddress: 'AWS Internal' })).toBe(false);
    const gt = matcher(`selection:\n  requestParameters.pendingWindowInDays|lt: 8\ncondition: selection`);
    expect(gt({ requestParameters: { pendingWindowInDays: 7 } })).toBe(true);
    expect(gt({ requestParameters: { pendingWindowInDays: 30 } })).toBe(false);
  });
});

describe('sigma searches: maps, lists, null, field paths', () => {
  it('maps are AND, lists of maps are OR', () => {
    const m = matcher(`selection:\n  - eventSource: s3.amazonaws.com\n    eventName: PutBucketPolicy\n  - eventName: StopLogging\ncondition: selection`);
    expect(m({ eventSource: 's3.amazonaws.com', eventName: 'PutBucketPolicy' })).toBe(true);
    expect(m({ eventSource: 'iam.amazonaws.com', eventName: 'PutBucketPolicy' })).toBe(false);
    expect(m({ eventSource: 'cloudtrail.amazonaws.com', eventName: 'StopLogging' })).toBe(true);
  });

  it('null matches a missing or null field', () => {
    const m = matcher(`selection:\n  errorCode: null\ncondition: selection`);
    expect(m({})).toBe(true);
    expect(m({ errorCode: null })).toBe(true);
    expect(m({ errorCode: 'AccessDenied' })).toBe(false);
  });

  it('walks nested objects, arrays and dotted keys', () => {
    const m = matcher(`selection:\n  requestParameters.containerDefinitions.command|contains: CREDENTIALS\ncondition: selection`);
    expect(m({ requestParameters: { containerDefinitions: [{ command: ['sh'] }, { command: ['curl', '$AWS_CONTAINER_CREDENTIALS_RELATIVE_URI'] }] } })).toBe(
      true,
    );
    expect(m({ requestParameters: { containerDefinitions: [{ command: ['sh'] }] } })).toBe(false);
    const dotted = matcher(`selection:\n  requestParameters.x-amz-acl: public-read\ncondition: selection`);
    expect(dotted({ requestParameters: { 'x-amz-acl': ['public-read'] } })).toBe(true);
    const key = matcher(`selection:\n  additionalEventData.aws:PrincipalOrgID: o-1\ncondition: selection`);
    expect(key({ additionalEventData: { 'aws:PrincipalOrgID': 'o-1' } })).toBe(true);
    const dottedKey = matcher(`selection:\n  detail.a.b: v\ncondition: selection`);
    expect(dottedKey({ detail: { 'a.b': 'v' } })).toBe(true);
  });

  it('string matching on an object looks at every scalar inside it', () => {
    const m = matcher(`selection:\n  requestParameters|contains: Suspended\ncondition: selection`);
    expect(m({ requestParameters: { bucketName: 'b', VersioningConfiguration: { Status: 'Suspended' } } })).toBe(true);
    expect(m({ requestParameters: { bucketName: 'b', VersioningConfiguration: { Status: 'Enabled' } } })).toBe(false);
  });
});

describe('sigma rules: metadata', () => {
  it('maps levels to severities and defaults id and level', () => {
    const levels: [string, string][] = [
      ['informational', 'low'],
      ['low', 'low'],
      ['medium', 'medium'],
      ['high', 'high'],
      ['critical', 'critical'],
    ];
    for (const [level, severity] of levels) {
      const r = parseSigmaRule(rule('sel:\n  eventName: X\ncondition: sel').replace('level: high', `level: ${level}`), 'x.yml');
      expect(r.severity).toBe(severity);
    }
    const bare = parseSigmaRule(
      'title: T\nlogsource:\n  product: AWS\n  service: CloudTrail\ndetection:\n  sel:\n    eventName: X\n  condition: sel\n',
      'folder/my_rule.yaml',
    );
    expect(bare.id).toBe('sigma:my_rule');
    expect(bare.level).toBe('medium');
  });
});

describe('sigma rules: rejections name the file and the construct', () => {
  const cases: [string, string, string | null, RegExp][] = [
    [rule('sel:\n  eventName|base64offset|contains: x\ncondition: sel'), 'SIGMA_UNSUPPORTED', 'modifier "base64offset"', /base64-offset/],
    [rule('sel:\n  eventName|windash: x\ncondition: sel'), 'SIGMA_UNSUPPORTED', 'modifier "windash"', /do not apply/],
    [rule('sel:\n  eventName|sortof: x\ncondition: sel'), 'SIGMA_UNSUPPORTED', 'modifier "sortof"', /supported: contains/],
    [rule('keywords:\n  - mimikatz\ncondition: keywords'), 'SIGMA_UNSUPPORTED', 'keyword search', /field-less/],
    [rule('sel:\n  eventName: X\ncondition: sel | count() > 5'), 'SIGMA_UNSUPPORTED', 'aggregation', /count\(\)/],
    [rule('sel:\n  eventName: X\ntimeframe: 5m\ncondition: sel'), 'SIGMA_UNSUPPORTED', 'timeframe', /state across events/],
    [rule('sel:\n  eventName|re: "(?P<x>a)"\ncondition: sel'), 'SIGMA_UNSUPPORTED', 'regular expression "(?P<x>a)"', /eventName/],
    [`${rule('sel:\n  eventName: X\ncondition: sel')}\n---\ntitle: second\n`, 'SIGMA_UNSUPPORTED', 'multi-document YAML', /2 YAML documents/],
    [rule('sel:\n  eventName: X\ncondition: sel and other'), 'SIGMA_CONDITION_INVALID', null, /unknown search identifier "other"/],
    [rule('sel:\n  eventName|contains|startswith: X\ncondition: sel'), 'SIGMA_RULE_INVALID', null, /combines "contains" and "startswith"/],
    [rule('sel:\n  eventName|contains: null\ncondition: sel'), 'SIGMA_RULE_INVALID', null, /null cannot be combined/],
    [rule('sel:\n  eventName: X\ncondition: sel').replace('title: Test rule\n', ''), 'SIGMA_RULE_INVALID', null, /missing "title"/],
    [rule('sel:\n  eventName: X\ncondition: sel').replace('level: high', 'level: severe'), 'SIGMA_RULE_INVALID', null, /level "severe"/],
    [rule('sel:\n  eventName: X\ncondition: sel').replace('product: aws', 'product: windows'), 'SIGMA_LOGSOURCE', null, /product "windows"/],
    ['title: [unclosed\n', 'SIGMA_YAML_INVALID', null, /./],
  ];
  for (const [text, code, construct, message] of cases) {
    it(`${code}${construct ? ` (${construct})` : ''}: ${message.source}`, () => {
      const e = rejection(text);
      expect(e.code).toBe(code);
      expect(e.construct).toBe(construct);
      expect(e.message).toMatch(message);
      if (construct) expect(e.message).toContain(`unsupported ${construct}`);
    });
  }
});

describe('loadSigmaRules', () => {
  const root = mkdtempSync(join(tmpdir(), 'immutrail-sigma-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const write = (path: string, text: string) => {
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, text);
  };
  const withId = (id: string, title: string, eventName: string) =>
    rule(`sel:\n  eventName: ${eventName}\ncondition: sel`).replace('00000000-0000-0000-0000-000000000001', id).replace('Test rule', title);

  it('loads folders recursively, lets a later folder override a rule by id, and reports bad files', () => {
    const project = join(root, 'project');
    const user = join(root, 'user');
    write(join(project, 'a.yml'), withId('id-a', 'Project A', 'StopLogging'));
    write(join(project, 'nested', 'b.yaml'), withId('id-b', 'Project B', 'DeleteTrail'));
    write(join(project, 'README.md'), 'not a rule');
    write(join(project, 'dup.yml'), withId('id-a', 'Duplicate A', 'X'));
    write(join(user, 'override.yml'), withId('id-a', 'User A', 'UpdateTrail'));
    write(join(user, 'broken.yml'), rule('sel:\n  eventName|utf16: X\ncondition: sel'));

    const { rules, rejected } = loadSigmaRules([
      { dir: project, origin: 'project' },
      { dir: user, origin: 'user' },
    ]);
    expect(rules.map((r) => [r.id, r.title, r.origin, r.file])).toEqual([
      ['id-a', 'User A', 'user', 'override.yml'],
      ['id-b', 'Project B', 'project', 'nested/b.yaml'],
    ]);
    expect(rejected.map((e) => [e.file, e.code])).toEqual([
      ['dup.yml', 'SIGMA_DUPLICATE_ID'],
      ['broken.yml', 'SIGMA_UNSUPPORTED'],
    ]);
    expect(rejected[0]!.message).toContain('already used by a.yml');
  });

  it('throws when a configured folder does not exist', () => {
    expect(() => loadSigmaRules([{ dir: join(root, 'missing'), origin: 'user' }])).toThrow(/rule folder does not exist/);
  });
});
