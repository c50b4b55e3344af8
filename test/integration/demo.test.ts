import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEMO_ATTESTED_DIGEST } from '../../lib/demo/demo-events';
import { DEMO_WITNESS_NAME, witnessLine } from '../../lib/demo/demo-witness';
import type { DemoSummary } from '../../lib/demo/run-demo';
import { cli } from '../support/cli';
import { useMoto } from '../support/moto';

describe('npm run demo, end to end on moto_server', () => {
  const moto = useMoto();

  // The demo replays ~400 real events through the whole pipeline: minutes on a loaded 2-core machine.
  it('archives every event exactly once, verifies, and raises the expected alerts', { timeout: 300_000 }, async () => {
    const run = await cli('demo', '--endpoint', moto.target.endpoint!, '--json');
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const s = JSON.parse(run.stdout) as DemoSummary;
    // The audit queries ran over the archive and found what the story put in.
    expect(s.queries.map((q) => q.name)).toEqual(['iam-changes', 'image-usage', 'coverage-by-day']);
    expect(s.queries.find((q) => q.name === 'image-usage')!.rows).toBe(2);
    expect(s.queries.find((q) => q.name === 'coverage-by-day')!.rendered).toMatch(/2024-08-01/);
    // Both lanes: every event archived once. What the live lane "missed" came by the trail lane, with one
    // missed-events alert per file it was missing from; read-only calls came by the trail lane alone.
    expect(s.ingest.failures).toBe(0);
    expect(s.lanes.live.heldBack).toBeGreaterThan(0);
    expect(s.lanes.both).toBeGreaterThan(0);
    expect(s.lanes.trail.recovered).toBeGreaterThan(0);
    expect(s.lanes.trail.recovered + s.lanes.both).toBeLessThanOrEqual(s.lanes.trail.records + s.lanes.live.events);
    // verify ran with the duplicate check: no id is archived twice.
    expect(s.alertsByKind['missed-events']).toBeGreaterThanOrEqual(1);
    expect(s.alertsByKind['missed-events']).toBeLessThanOrEqual(s.lanes.live.heldBack);
    expect(s.verify.shards.reduce((n, x) => n + x.records, 0)).toBe(s.verify.records);
    expect(s.verify.problems).toEqual([]);
    expect(s.verify.ok).toBe(true);
    expect(s.verify.notices.filter((n) => n.code !== 'UNSEALED')).toEqual([]);
    expect(s.checkpointSize).toBe(s.verify.records);
    expect(s.proof).toMatchObject({ action: 'StopLogging', valid: true });
    expect(s.proof.reads).toBeLessThanOrEqual(30);
    // The story's findings: the trail stopped/deleted (critical), hand changes, the unattested task, and only that task.
    expect(s.alertsByKind['auditor-tampering']).toBeGreaterThanOrEqual(1);
    expect(s.alerts.filter((a) => a.kind === 'auditor-tampering').every((a) => a.severity === 'critical')).toBe(true);
    expect(s.alertsByKind.drift).toBeGreaterThanOrEqual(1);
    const images = s.alerts.filter((a) => a.kind === 'unsigned-launch' && a.rule === 'unsigned-launch.image');
    expect(images).toHaveLength(1);
    expect(images[0].resource).toContain('sha256:' + 'e3'.repeat(32));
    expect(s.alerts.some((a) => a.resource?.includes(DEMO_ATTESTED_DIGEST))).toBe(false);
    expect(s.keptRunning).toBe(true);
    // After the final seal a witness cosigned every shard's checkpoint, and verify required its cosignature.
    expect(s.witness.refused).toEqual([]);
    expect(s.witness.cosigned).toBe(s.verify.shards.length);
    expect(witnessLine(s.witness)).toBe(`witness ${DEMO_WITNESS_NAME} cosigned ${s.verify.shards.length} shard checkpoints (C2SP cosignature/v1)`);
    // The bundle for auditors checks offline with the keys the demo wrote beside it: the command it prints, run as printed.
    const { evidence, publicKey, witnessKey, verifyBundle } = JSON.parse(run.stdout) as {
      evidence: string;
      publicKey: string;
      witnessKey: string;
      verifyBundle: string;
    };
    expect(verifyBundle).toBe(`npx immutrail verify --bundle ${evidence} --public-key ${publicKey} --witness-key ${witnessKey} --witnesses 1`);
    expect(readFileSync(witnessKey, 'utf8')).toBe(s.witness.vkey + '\n');
    const bundle = await cli(...verifyBundle.split(' ').slice(2));
    expect(bundle.stderr).toBe('');
    expect(bundle.code).toBe(0);
    expect(bundle.stdout).toMatch(/cosigned by the witnesses$/m);
  });
});
