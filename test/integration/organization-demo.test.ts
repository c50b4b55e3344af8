import { S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { clientConfig } from '../../lib/aws/client-config';
import { demoTrailLogs } from '../../lib/demo/demo-events';
import { OrgDemo } from '../../lib/demo/org-demo';
import { accountShard, LOG_ARCHIVE_ACCOUNT } from '../../lib/demo/organization';
import type { DemoSummary } from '../../lib/demo/run-demo';
import { DuckDbQueryEngine } from '../../lib/query/duckdb-engine';
import { cli } from '../support/cli';
import { useMoto } from '../support/moto';

/**
 * Issue 14: an organization of three accounts through both lanes on moto. The
 * trail bucket belongs to the log-archive account (an AssumeRole session on
 * moto), the stack in the audit account reads it; member events reach the
 * live lane only as the member stack forwards them. Every event must be
 * archived once, in its own account's chain, and the archive must verify.
 */
describe('demo --accounts 3, on moto_server', () => {
  const moto = useMoto();

  it('archives every event of every account once, in its account chain, and verifies', { timeout: 300_000 }, async () => {
    const run = await cli('demo', '--endpoint', moto.target.endpoint!, '--accounts', '3', '--json');
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const s = JSON.parse(run.stdout) as DemoSummary;
    expect(s.ingest.failures).toBe(0);
    expect(s.verify.ok).toBe(true);
    expect(s.verify.problems).toEqual([]);
    expect(s.checkpointSize).toBe(s.verify.records);

    // What the trail files held, account by account (the same re-homing the demo does).
    const org = new OrgDemo(3);
    const expected = new Map<string, string>();
    // A record without eventTime (one source's export dropped it) is archived as quarantined, in its account's chain.
    const quarantined = new Map<string, number>();
    for (const f of demoTrailLogs()) {
      for (const r of org.logFile(f).records) {
        const account = String(r.recipientAccountId);
        if (typeof r.eventTime === 'string') expected.set(String(r.eventID), account);
        else quarantined.set(accountShard(account), (quarantined.get(accountShard(account)) ?? 0) + 1);
      }
    }
    const accounts = org.org.accounts.map((a) => a.id);
    expect(new Set(expected.values())).toEqual(new Set(accounts));

    const engine = await DuckDbQueryEngine.fromS3(new S3Client(clientConfig(moto.target)), s.stack.bucket);
    try {
      const rows = (await engine.run({ sql: "SELECT event_id, account, shard FROM records WHERE kind = 'event'" })).rows;
      const seen = new Map<string, number>();
      for (const [eventId, account, shard] of rows as [string, string, string][]) {
        seen.set(eventId, (seen.get(eventId) ?? 0) + 1);
        // Each event in its own account's chain, and the record says which account.
        expect(shard).toBe(accountShard(account));
      }
      for (const [eventId, account] of expected) {
        expect(seen.get(eventId), `event ${eventId} of ${account}`).toBe(1);
      }
      const quarantine = (await engine.run({ sql: "SELECT shard, count(*) FROM records WHERE kind = 'quarantine' GROUP BY shard" })).rows as [
        string,
        bigint | number,
      ][];
      expect(new Map(quarantine.map(([shard, n]) => [shard, Number(n)]))).toEqual(quarantined);
      const stateChanges = (await engine.run({ sql: "SELECT account, shard FROM records WHERE kind = 'event' AND category = 'state-change'" })).rows as [
        string,
        string,
      ][];
      expect(stateChanges.length).toBeGreaterThan(0);
      for (const [account, shard] of stateChanges) expect(shard).toBe(accountShard(account));
    } finally {
      await engine.close();
    }

    // Per account: its own chain, both lanes, and alerts that name it.
    expect(s.accounts!.map((a) => a.id)).toEqual(accounts);
    for (const a of s.accounts!) {
      expect(s.verify.shards.find((x) => x.shard === accountShard(a.id))!.records).toBe(a.records);
      expect(a.trailFiles).toBeGreaterThan(0);
      expect(a.liveEvents).toBeGreaterThan(0);
    }
    expect(s.accounts!.find((a) => a.id === LOG_ARCHIVE_ACCOUNT)!.role).toBe('log-archive');
    expect(s.alerts.filter((a) => a.eventId !== null).every((a) => accounts.includes(a.account!))).toBe(true);
    expect(new Set(s.alerts.map((a) => a.account).filter(Boolean)).size).toBe(3);
  });
});
