import { describe, expect, it } from 'vitest';
import { ENV } from '../../../lib/contract/runtime-config';
import { accountSilenceHoursFrom, expectedAccountsFrom, watchdogRuntime, WatchdogConfigError } from '../../../lib/watchdog/runtime';

describe('watchdog runtime: the delivery check settings', () => {
  it('reads expected accounts and the silence in hours, with their defaults', () => {
    expect(expectedAccountsFrom({ [ENV.expectedAccounts]: '["111111111111","222222222222"]' })).toEqual(['111111111111', '222222222222']);
    expect(expectedAccountsFrom({})).toEqual([]);
    expect(accountSilenceHoursFrom({ [ENV.accountSilenceHours]: '6' })).toBe(6);
    expect(accountSilenceHoursFrom({})).toBe(24);
  });

  it('refuses values the construct never writes, naming the variable', () => {
    for (const v of ['111111111111', '["1234"]', '[111111111111]', '{}']) {
      expect(() => expectedAccountsFrom({ [ENV.expectedAccounts]: v })).toThrowError(WatchdogConfigError);
    }
    for (const v of ['0', '1.5', 'a day']) expect(() => accountSilenceHoursFrom({ [ENV.accountSilenceHours]: v })).toThrowError(ENV.accountSilenceHours);
  });

  it('checks deliveries only with a trail bucket, once an hour', () => {
    const base = { [ENV.table]: 't', [ENV.archiveBucket]: 'a', [ENV.origin]: 'o' };
    const target = { region: 'us-east-1', endpoint: 'http://127.0.0.1:1' };
    expect(watchdogRuntime(base, target).deliveries).toBeUndefined();
    const d = watchdogRuntime({ ...base, [ENV.trailBucket]: 'org-trail-logs', [ENV.trailPrefix]: 'org' }, target).deliveries!;
    expect(d.reader.bucket).toBe('org-trail-logs');
    expect(d.due!(new Date('2026-03-11T10:04:59Z'))).toBe(true);
    expect(d.due!(new Date('2026-03-11T10:05:00Z'))).toBe(false);
  });
});
