import { describe, expect, it } from 'vitest';
import { summarizeRecord } from '../../../lib/prove/record-summary';

const chain = (kind: string) => ({ v: 1, shard: 'acct-222200003333', seq: 7, prev: 'x', kind, id: `${kind}-1`, time: '2026-12-02T10:00:00Z' });

describe('summarizeRecord names the account (issue 14)', () => {
  it("of an event: the event's account", () => {
    const s = summarizeRecord({
      chain: chain('event'),
      data: { event: { account: '222200003333', eventTime: 'T', service: 'ec2', action: 'RunInstances', actor: { arn: 'arn:aws:iam::222200003333:user/a' } } },
    });
    expect(s).toMatchObject({ account: '222200003333', action: 'ec2:RunInstances', shard: 'acct-222200003333' });
  });

  it("of an alert: the alert's account, null for an alert about no account", () => {
    expect(summarizeRecord({ chain: chain('alert'), data: { alert: { account: '444400005555', kind: 'drift', rule: 'drift.x' } } }).account).toBe(
      '444400005555',
    );
    expect(summarizeRecord({ chain: chain('alert'), data: { alert: { account: null, kind: 'silence' } } }).account).toBeNull();
  });

  it("of a coverage record: the log file's account, and the file as the note", () => {
    const s = summarizeRecord({
      chain: chain('coverage'),
      data: { logFile: 'AWSLogs/o-x/222200003333/CloudTrail/us-east-1/f.json.gz', account: '222200003333', region: 'us-east-1' },
    });
    expect(s).toMatchObject({ account: '222200003333', note: 'AWSLogs/o-x/222200003333/CloudTrail/us-east-1/f.json.gz' });
  });

  it('of a record from before the field, or untrusted input with a wrong type: null', () => {
    expect(summarizeRecord({ chain: chain('coverage'), data: { logFile: 'k' } }).account).toBeNull();
    expect(summarizeRecord({ chain: chain('event'), data: { event: { account: 222200003333 } } }).account).toBeNull();
  });
});
