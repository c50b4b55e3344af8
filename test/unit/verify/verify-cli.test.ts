import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../../support/cli';
import { MemoryArchive } from './memory-archive';

/** `immutrail verify` on folders written from in-memory archives: the codes it prints and its exit codes. */
describe('immutrail verify: findings and exit codes', () => {
  const work = mkdtempSync(join(tmpdir(), 'immutrail-verify-cli-'));
  const archive = new MemoryArchive();
  const dir = join(work, 'archive');
  const pem = join(work, 'public.pem');
  let trusted: string;

  const write = (root: string, key: string, body: Buffer | string) => {
    mkdirSync(dirname(join(root, key)), { recursive: true });
    writeFileSync(join(root, key), body);
  };

  beforeAll(async () => {
    // A sealed shard, then two objects that compete past the checkpoint (a writer died after its put).
    const b1 = archive.append('api', 'one', 3);
    const first = await archive.seal([b1.newHead]);
    archive.append(b1.newHead, 'dead', 2);
    archive.append(b1.newHead, 'live', 1);
    for (const [key, body] of archive.objects) write(dir, key, body);
    for (const { key, note } of archive.notes) write(dir, key, note);
    writeFileSync(pem, archive.signer.publicKeyPem());
    trusted = join(work, 'trusted.note');
    writeFileSync(trusted, first.note);
  });

  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('--json lists each problem and note with its code', async () => {
    const r = await cli('verify', '--dir', dir, '--public-key', pem, '--json', '--trusted-checkpoint', trusted);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as { ok: boolean; problems: { code: string }[]; notices: { code: string; message: string }[] };
    expect(report.ok).toBe(true);
    expect(report.problems).toEqual([]);
    expect(report.notices.map((n) => n.code)).toEqual(['UNRESOLVED_FORK']);

    // A record byte changed: the problem's code is in the JSON, and the exit code is 1.
    const damaged = join(work, 'damaged');
    const first = [...archive.objects.keys()][0];
    for (const [key, body] of archive.objects) write(damaged, key, key === first ? Buffer.from(body.toString().replace('one/0', 'one/X')) : body);
    for (const { key, note } of archive.notes) write(damaged, key, note);
    const bad = await cli('verify', '--dir', damaged, '--public-key', pem, '--json');
    expect(bad.code).toBe(1);
    expect((JSON.parse(bad.stdout) as { problems: { code: string }[] }).problems.map((p) => p.code)).toEqual(['CHECKPOINT_MISMATCH', 'LINK']);
  });

  it('names both candidates of an unresolved fork in the text report, and neither as the head', async () => {
    const r = await cli('verify', '--dir', dir, '--public-key', pem, '--no-progress');
    expect(r.code).toBe(0);
    const [dead, live] = [...archive.objects.keys()].slice(1);
    expect(r.stdout).toMatch(/note: unresolved_fork: .*candidates/);
    expect(r.stdout).toContain(dead);
    expect(r.stdout).toContain(live);
    expect(r.stdout).toMatch(/shard api +4 records/);
  });

  it('exits 2 with a one-line reason when the trusted checkpoint does not verify', async () => {
    const forged = join(work, 'forged.note');
    writeFileSync(forged, archive.notes[0].note.toString('utf8').replace(/^time (\S+)$/m, 'time 2030-01-01T00:00:00.000Z'));
    const r = await cli('verify', '--dir', dir, '--public-key', pem, '--trusted-checkpoint', forged);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^immutrail: trusted checkpoint: /);
  });

  it('exits 2 when there is nothing to verify', async () => {
    const empty = join(work, 'empty');
    mkdirSync(join(empty, 'records'), { recursive: true });
    const r = await cli('verify', '--dir', empty, '--public-key', pem);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`immutrail: no archive objects under ${empty}\n`);
  });
});
