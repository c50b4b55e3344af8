import { describe, expect, it } from 'vitest';
import { dayFolder, isLogFileCandidate, logsRoot, parseTrailKey } from '../../../lib/contract/key-layout';
import { manifest } from './fixtures';

const LOG = '111122223333_CloudTrail_eu-west-1_20260311T0920Z_ROxNya4BlzFJUUwz.json.gz';

describe('CloudTrail key layout', () => {
  it('parses a log file key, with and without a trail prefix', () => {
    expect(parseTrailKey(`AWSLogs/111122223333/CloudTrail/eu-west-1/2026/03/11/${LOG}`)).toEqual({
      kind: 'log',
      prefix: '',
      organizationId: null,
      account: '111122223333',
      region: 'eu-west-1',
      date: '2026-03-11',
      fileName: LOG,
      fileTime: '2026-03-11T09:20:00Z',
    });
    expect(parseTrailKey(`audit/trails/AWSLogs/111122223333/CloudTrail/eu-west-1/2026/03/11/${LOG}`)).toMatchObject({ kind: 'log', prefix: 'audit/trails' });
  });

  it('parses the organization trail layout', () => {
    const k = parseTrailKey(
      `org-prefix/AWSLogs/o-aa111bb222cc/494659789341/CloudTrail/us-east-1/2024/10/17/494659789341_CloudTrail_us-east-1_20241017T2010Z_abc.json.gz`,
    );
    expect(k).toMatchObject({
      kind: 'log',
      prefix: 'org-prefix',
      organizationId: 'o-aa111bb222cc',
      account: '494659789341',
      region: 'us-east-1',
      fileTime: '2024-10-17T20:10:00Z',
    });
  });

  it('recognises digest and Insights files as such', () => {
    const digest = parseTrailKey(
      'AWSLogs/111122223333/CloudTrail-Digest/eu-west-1/2026/03/11/111122223333_CloudTrail-Digest_eu-west-1_main_us-east-1_20260311T100131Z.json.gz',
    );
    expect(digest).toMatchObject({ kind: 'digest', region: 'eu-west-1', fileTime: '2026-03-11T10:01:31Z' });
    const backfill = parseTrailKey(
      'AWSLogs/111122223333/CloudTrail-Digest/eu-west-1/2026/03/11/111122223333_CloudTrail-Digest_eu-west-1_main_us-east-1_20260311T100131Z_backfill.json.gz',
    );
    expect(backfill).toMatchObject({ kind: 'digest', fileTime: '2026-03-11T10:01:31Z' });
    expect(parseTrailKey('AWSLogs/111122223333/CloudTrail-Insight/eu-west-1/2026/03/11/x.json.gz')?.kind).toBe('insight');
  });

  it('does not take other objects for trail files', () => {
    for (const key of [
      'AWSLogs/111122223333/CloudTrail/eu-west-1/2026/03/11/',
      'AWSLogs/11112222333/CloudTrail/eu-west-1/2026/03/11/x.json.gz',
      'AWSLogs/111122223333/Config/eu-west-1/2026/03/11/x.json.gz',
      'AWSLogs/111122223333/CloudTrail/eu-west-1/2026/3/11/x.json.gz',
      'AWSLogs/o-short/111122223333/CloudTrail/eu-west-1/2026/03/11/x.json.gz',
      'records/shard=api/dt=2026-03-11/x.ndjson',
      'AWSLogs/111122223333/CloudTrail/eu-west-1/2026/03/11/sub/x.json.gz',
    ]) {
      expect(parseTrailKey(key), key).toBeNull();
    }
  });

  it('reads every fixture key as a log file', () => {
    for (const f of manifest.files) expect(parseTrailKey(f.key)?.kind).toBe('log');
    expect(parseTrailKey(manifest.digest)?.kind).toBe('digest');
  });

  it('picks log files out of local folders and copies', () => {
    expect(isLogFileCandidate(manifest.files[0].key)).toBe(true);
    expect(isLogFileCandidate(manifest.digest)).toBe(false);
    expect(isLogFileCandidate('exports/2026-03-11.json.gz')).toBe(true);
    expect(isLogFileCandidate('exports/2026-03-11.JSON')).toBe(true);
    expect(isLogFileCandidate('exports\\win\\trail.json.gz')).toBe(true);
    expect(isLogFileCandidate('copies/111122223333_CloudTrail-Digest_eu-west-1_x.json.gz')).toBe(false);
    expect(isLogFileCandidate('notes/README.md')).toBe(false);
  });

  it('builds the roots and day folders reconcile lists', () => {
    expect(logsRoot('')).toBe('AWSLogs/');
    expect(logsRoot('a/b/')).toBe('a/b/AWSLogs/');
    const k = { prefix: 'p', account: '111122223333', organizationId: 'o-aa111bb222cc', region: 'eu-west-1' };
    expect(dayFolder(k, 'digest', new Date('2026-03-11T23:59:00Z'))).toBe('p/AWSLogs/o-aa111bb222cc/111122223333/CloudTrail-Digest/eu-west-1/2026/03/11/');
    expect(dayFolder({ ...k, prefix: '', organizationId: null }, 'log', new Date('2026-01-02T00:00:00Z'))).toBe(
      'AWSLogs/111122223333/CloudTrail/eu-west-1/2026/01/02/',
    );
  });
});
