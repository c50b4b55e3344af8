import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Alert, AlertKind } from '../../../lib/core/alert';
import { runDetectors } from '../../../lib/core/detect';
import { defaultDetectionConfig } from '../../../lib/core/detect/config';
import { DEFAULT_SIGMA_RULE_DIR, loadSigmaRules } from '../../../lib/core/detect/sigma/loader';
import { corruptLogFileAlert, digestMismatchAlert, missedEventsAlert } from '../../../lib/cloudtrail/trail-alerts';
import { watchdogAlert } from '../../../lib/watchdog/watchdog';
import { context, eventRecord, fixture } from './helpers';

/**
 * "Alerts all name the account": every detector's alerts carry the account
 * of the event that raised them, the trail's alerts the account whose log
 * file it is, and alerts about no one account say null.
 */

const FIXTURES = join(__dirname, 'fixtures');
const eventFixtures = ['cloudtrail', 'eventbridge', 'immutrail-rules', 'foreign-account'].flatMap((dir) =>
  readdirSync(join(FIXTURES, dir))
    .filter((f) => f.endsWith('.json'))
    .map((f) => `${dir}/${f}`),
);

describe('every alert names its account', () => {
  it('detector alerts carry the account of their event, for every kind', async () => {
    const rules = loadSigmaRules([
      { dir: DEFAULT_SIGMA_RULE_DIR, origin: 'project' },
      { dir: resolve(__dirname, '../../../rules/immutrail'), origin: 'project' },
    ]).rules;
    // An organization of one account, so that every share out of it is foreign.
    const ctx = context({
      sigmaRules: rules,
      config: { ...defaultDetectionConfig(), organization: { accounts: ['999999999999'], stackAccounts: [], id: null } },
    });
    const kinds = new Set<AlertKind>();
    let alerts = 0;
    for (const name of eventFixtures) {
      const record = eventRecord(fixture(name));
      for (const a of await runDetectors(record, ctx)) {
        alerts++;
        kinds.add(a.kind);
        expect(Object.keys(a), name).toContain('account');
        expect(a.account, `${name}: ${a.rule}`).toBe(record.data.event.account);
      }
    }
    expect(alerts).toBeGreaterThan(20);
    expect([...kinds].sort()).toEqual(['auditor-tampering', 'drift', 'foreign-account', 'sigma', 'unsigned-launch']);
  });

  it('the trail lane names the account whose log file it is (organization trails too)', () => {
    const bucket = 'org-trail-logs';
    const key = 'AWSLogs/o-a1b2c3d4e5/444455556666/CloudTrail/eu-west-1/2026/03/11/444455556666_CloudTrail_eu-west-1_20260311T1005Z_abc.json.gz';
    const now = new Date('2026-03-11T10:30:00Z');
    const all: Alert[] = [
      missedEventsAlert({ bucket, key, missed: 2, eventIds: ['a', 'b'], eventTime: now.toISOString(), record: null }),
      digestMismatchAlert({ bucket, key, expected: 'aa', actual: 'bb', digestKey: 'digest.json.gz', now }),
      corruptLogFileAlert({ bucket, key, reason: 'bad gzip', code: 'GZIP', now }),
    ];
    expect(all.map((a) => a.account)).toEqual(['444455556666', '444455556666', '444455556666']);
    expect(missedEventsAlert({ bucket, key: 'exports/file.json.gz', missed: 1, eventIds: [], eventTime: now.toISOString(), record: null }).account).toBeNull();
  });

  it('the watchdog: null for the trail and silence checks, the account for an account that stopped delivering', () => {
    const now = new Date('2026-03-11T10:30:00Z');
    const silence = watchdogAlert({ check: 'silence', severity: 'high', summary: 'no events for 60 minutes', details: {} }, null, now);
    expect(silence.account).toBeNull();
    const silent = watchdogAlert(
      {
        check: 'account-silent',
        severity: 'high',
        summary: 'account 444455556666 delivered nothing',
        details: { account: '444455556666' },
        resource: '444455556666',
      },
      'org-trail',
      now,
    );
    expect(silent.account).toBe('444455556666');
  });
});
