import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import { create, extract } from 'tar';
import { beforeAll, describe, expect, it } from 'vitest';
import { clientConfig } from '../../lib/aws/client-config';
import { S3Source } from '../../lib/aws/s3-source';
import type { Manifest } from '../../lib/evidence/layout';
import { filesUnder, sha256 } from '../../lib/evidence/manifest';
import type { LocalStack } from '../../lib/local/provision';
import { cli } from '../support/cli';
import { useMoto } from '../support/moto';
import { buildReportArchive } from '../support/report-archive';
import { runDemoWitness, type DemoWitness } from '../../lib/demo/demo-witness';

describe('immutrail evidence and verify --bundle over an archive written by the real ingest and seal path', () => {
  const moto = useMoto();
  let stack: LocalStack;
  let work: string;
  let pem: string;
  let where: string[];
  let yesterday: string;
  let today: string;
  let tomorrow: string;
  let bundle: string;
  let made: Awaited<ReturnType<typeof cli>>;
  /** A witness run over the archive's shard checkpoints after both seals; its vkey file. */
  let witness: DemoWitness;
  let vkey: string;

  /** The bundle's files, extracted into a fresh folder. */
  const unpack = async (file = bundle): Promise<string> => {
    const dir = mkdtempSync(join(work, 'unpacked-'));
    await extract({ file, cwd: dir });
    return dir;
  };
  const manifestOf = (dir: string): Manifest => JSON.parse(readFileSync(join(dir, 'MANIFEST.json'), 'utf8'));
  /** A copy of the bundle with `change` applied to its files, packed again. */
  const tampered = async (name: string, change: (dir: string) => void): Promise<string> => {
    const dir = await unpack();
    change(dir);
    const out = join(work, `${name}.tar.gz`);
    await create({ gzip: true, file: out, cwd: dir, portable: true }, filesUnder(dir));
    return out;
  };
  const verifyBundle = (file: string) => cli('verify', '--bundle', file, '--public-key', pem);
  const firstBatch = (dir: string) => manifestOf(dir).files.find((f) => f.path.startsWith('records/'))!.path;

  beforeAll(async () => {
    ({ stack, work, pem, where, yesterday, today, tomorrow } = await buildReportArchive(moto.target));
    witness = await runDemoWitness(moto.target, { bucket: stack.bucket, origin: stack.origin, publicKeyPem: readFileSync(pem, 'utf8') }, 'evidence');
    vkey = join(work, 'witness.vkey');
    writeFileSync(vkey, witness.vkey + '\n');
    bundle = join(work, 'bundle.tar.gz');
    made = await cli('evidence', ...where, '--from', yesterday, '--to', tomorrow, '--out', bundle, '--witness-key', vkey);
  }, 180_000);

  it('writes the bundle and says where', () => {
    expect(made.stderr).toBe('');
    expect(made.code).toBe(0);
    expect(made.stdout).toMatch(
      /^verified; \d+ batch object\(s\), 2 checkpoint\(s\), \d+ shard checkpoint\(s\) and \d+ cosignature\(s\) of .* bundle written to .*bundle\.tar\.gz\n$/,
    );
    expect(witness.refused).toEqual([]);
    expect(witness.cosigned).toBeGreaterThan(0);
  });

  it("holds the period's batch objects and checkpoints byte for byte, the key, the report and a README, each in the manifest", async () => {
    const dir = await unpack();
    const m = manifestOf(dir);
    expect(m.period).toEqual({ from: yesterday, to: tomorrow });
    expect(m.origin).toBe(stack.origin);
    expect(m.keyFingerprint).toMatch(/^([0-9a-f]{2}:){31}[0-9a-f]{2}$/);
    expect(filesUnder(dir)).toEqual([...m.files.map((f) => f.path), 'MANIFEST.json'].sort());
    for (const f of m.files) expect(sha256(readFileSync(join(dir, f.path))), f.path).toBe(f.sha256);
    const s3 = new S3Source(new S3Client(clientConfig(moto.target)), stack.bucket);
    const archived: string[] = [];
    for await (const o of s3.list('')) archived.push(o.key);
    // Every record and checkpoint of the archive (both seals are in the period), with its shard checkpoints, their
    // witness requests and the witness's cosigned copies, and the witness key given.
    const kept = archived.filter((k) => k.startsWith('records/') || k.startsWith('checkpoints/') || k.startsWith('cosignatures/'));
    expect(m.files.filter((f) => f.path.includes('/')).map((f) => f.path)).toEqual([...kept, 'witness-keys/witness.immutrail-demo.vkey'].sort());
    expect(kept.filter((k) => k.startsWith('checkpoints/shards/') && k.endsWith('.note')).length).toBeGreaterThan(0);
    expect(kept.filter((k) => k.endsWith('.add-checkpoint')).length).toBeGreaterThan(0);
    expect(kept.filter((k) => k.startsWith('cosignatures/')).length).toBe(witness.cosigned);
    expect(readFileSync(join(dir, 'witness-keys/witness.immutrail-demo.vkey'), 'utf8')).toBe(witness.vkey + '\n');
    const key = firstBatch(dir);
    expect(readFileSync(join(dir, key)).equals(await s3.get(key))).toBe(true);
    expect(readFileSync(join(dir, 'report.html'), 'utf8')).toContain('<html');
    expect(readFileSync(join(dir, 'public-key.pem'), 'utf8')).toBe(readFileSync(pem, 'utf8'));
    const readme = readFileSync(join(dir, 'README.txt'), 'utf8');
    expect(readme).toContain(
      'npx immutrail verify --bundle bundle.tar.gz --public-key public-key.pem --witness-key witness-keys/witness.immutrail-demo.vkey --witnesses 1',
    );
    expect(readme).toContain(`npx immutrail verify --dir bundle --from ${yesterday} --to ${tomorrow}`);
    expect(readme).toContain('npx immutrail verify-proof proof.json --public-key public-key.pem');
  });

  it('verify --bundle: an intact bundle verifies offline (exit 0)', async () => {
    const r = await verifyBundle(bundle);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/all match/);
    expect(r.stdout).toMatch(/^OK: every file matches the manifest/m);
  });

  it('the extracted bundle verifies as a folder with verify --dir and the period', async () => {
    const dir = await unpack();
    const r = await cli('verify', '--dir', dir, '--from', yesterday, '--to', tomorrow, '--public-key', join(dir, 'public-key.pem'), '--no-progress');
    expect(r.code).toBe(0);
  });

  it('one byte of a batch object flipped: exit 1, naming the object and the digest check', async () => {
    let key = '';
    const file = await tampered('flipped', (dir) => {
      key = firstBatch(dir);
      const body = readFileSync(join(dir, key));
      body[Math.floor(body.length / 2)] ^= 0x01;
      writeFileSync(join(dir, key), body);
    });
    const r = await verifyBundle(file);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`FILE_DIGEST [file ${key}] (manifest check)`);
    expect(r.stdout).toMatch(/^FAILED/m);
  });

  it('a checkpoint removed: exit 1, naming the checkpoint as missing', async () => {
    let removed = '';
    const file = await tampered('no-checkpoint', (dir) => {
      removed = manifestOf(dir).files.find((f) => f.path.startsWith('checkpoints/'))!.path;
      rmSync(join(dir, removed));
    });
    const r = await verifyBundle(file);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`MISSING_FILE [file ${removed}] (manifest check)`);
  });

  it('a checkpoint removed and struck from the manifest: the checkpoint chain still shows it', async () => {
    const file = await tampered('no-checkpoint-listed', (dir) => {
      const m = manifestOf(dir);
      const removed = m.files.find((f) => f.path.startsWith('checkpoints/'))!.path;
      rmSync(join(dir, removed));
      writeFileSync(join(dir, 'MANIFEST.json'), JSON.stringify({ ...m, files: m.files.filter((f) => f.path !== removed) }));
    });
    const r = await verifyBundle(file);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('all match');
    expect(r.stdout).toMatch(/CHECKPOINT_CHAIN: checkpoint of .* names a previous checkpoint that is not in the archive/);
  });

  it('report.html edited: exit 1, naming the report', async () => {
    const file = await tampered('report', (dir) => {
      const path = join(dir, 'report.html');
      // The same length, so that only the digest tells.
      writeFileSync(path, readFileSync(path, 'utf8').replace('sg-admin', 'sg-admix'));
    });
    const r = await verifyBundle(file);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('FILE_DIGEST [file report.html] (manifest check)');
  });

  it('a record edited and the manifest edited to match: the archive check still catches it', async () => {
    let key = '';
    const file = await tampered('record-and-manifest', (dir) => {
      const m = manifestOf(dir);
      key = m.files.find((f) => f.path.startsWith('records/') && readFileSync(join(dir, f.path), 'utf8').includes('sg-admin'))!.path;
      const body = Buffer.from(readFileSync(join(dir, key), 'utf8').replace('sg-admin', 'sg-nobody'));
      writeFileSync(join(dir, key), body);
      const files = m.files.map((f) => (f.path === key ? { path: key, sha256: sha256(body), size: body.length } : f));
      writeFileSync(join(dir, 'MANIFEST.json'), JSON.stringify({ ...m, files }));
    });
    const r = await verifyBundle(file);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('all match');
    expect(r.stdout).toMatch(new RegExp(`[A-Z_]+ \\[shard [^\\]]*object ${key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\]`));
  });

  it('a period after the newest checkpoint: the one checkpoint before it anchors the chain, and the bundle verifies', async () => {
    const later = join(work, 'later.tar.gz');
    const m = await cli('evidence', ...where, '--from', tomorrow, '--to', tomorrow, '--out', later);
    expect(m.code).toBe(0);
    expect(m.stdout).toContain('0 batch object(s), 1 checkpoint(s)');
    const r = await verifyBundle(later);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/note: the oldest checkpoint \(.*\) is dated before the period/);
    expect(today < tomorrow).toBe(true);
  }, 60_000);

  describe('shard checkpoints and witness cosignatures (issue 15)', () => {
    const withWitness = (file: string) => cli('verify', '--bundle', file, '--public-key', pem, '--witness-key', vkey, '--witnesses', '1');
    const listed = (dir: string, test: (path: string) => boolean) => manifestOf(dir).files.find((f) => test(f.path))!.path;

    it("verify --bundle --witness-key: the newest shard checkpoints carry the witness's cosignature (exit 0)", async () => {
      const r = await withWitness(bundle);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout).toContain("witnesses    each shard's newest checkpoint needs 1 valid cosignature(s) of: witness.immutrail-demo");
      expect(r.stdout).toMatch(/^OK: .*, cosigned by the witnesses$/m);
    });

    it.each([
      ['a shard checkpoint', (p: string) => p.startsWith('checkpoints/shards/') && p.endsWith('.note')],
      ['a witness request', (p: string) => p.endsWith('.add-checkpoint')],
      ['a cosignature', (p: string) => p.startsWith('cosignatures/')],
      ['the witness key', (p: string) => p.startsWith('witness-keys/')],
    ])('%s edited: exit 1, naming the file and the digest check', async (what, test) => {
      let path = '';
      const file = await tampered(`edited-${what.replace(/\W+/g, '-')}`, (dir) => {
        path = listed(dir, test);
        const body = readFileSync(join(dir, path));
        body[body.length - 3] ^= 0x01;
        writeFileSync(join(dir, path), body);
      });
      const r = await verifyBundle(file);
      expect(r.code).toBe(1);
      expect(r.stdout).toContain(`FILE_DIGEST [file ${path}] (manifest check)`);
    });

    it("a shard checkpoint's root edited and the manifest edited to match: the shard checkpoint check still catches it", async () => {
      let path = '';
      const file = await tampered('shard-note-and-manifest', (dir) => {
        const m = manifestOf(dir);
        path = listed(dir, (p) => p.startsWith('checkpoints/shards/') && p.endsWith('.note'));
        const lines = readFileSync(join(dir, path), 'utf8').split('\n');
        lines[2] = Buffer.alloc(32, 7).toString('base64');
        const body = Buffer.from(lines.join('\n'));
        writeFileSync(join(dir, path), body);
        writeFileSync(
          join(dir, 'MANIFEST.json'),
          JSON.stringify({ ...m, files: m.files.map((f) => (f.path === path ? { path, sha256: sha256(body), size: body.length } : f)) }),
        );
      });
      const r = await verifyBundle(file);
      expect(r.code).toBe(1);
      expect(r.stdout).toContain('all match');
      expect(r.stdout).toMatch(new RegExp(`CHECKPOINT_(SIGNATURE|MALFORMED)[^\\n]*${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    });

    it('cosignatures removed and struck from the manifest: verifies without the witness, WITNESS_MISSING with it', async () => {
      const file = await tampered('no-cosignatures', (dir) => {
        const m = manifestOf(dir);
        rmSync(join(dir, 'cosignatures'), { recursive: true });
        writeFileSync(join(dir, 'MANIFEST.json'), JSON.stringify({ ...m, files: m.files.filter((f) => !f.path.startsWith('cosignatures/')) }));
      });
      expect((await verifyBundle(file)).code).toBe(0);
      const r = await withWitness(file);
      expect(r.code).toBe(1);
      expect(r.stdout).toContain('WITNESS_MISSING');
    });

    it('report --witness-key: Scope lists the witness, its key ID, the newest size it cosigned per shard, and the verdict', async () => {
      const out = join(work, 'witnessed-report.html');
      const r = await cli('report', ...where, '--from', yesterday, '--to', tomorrow, '--out', out, '--witness-key', vkey);
      expect(r.code).toBe(0);
      const html = readFileSync(out, 'utf8');
      expect(html).toContain('1 given; verify with them passed');
      const row = new RegExp(`<tr><td>witness\\.immutrail-demo</td><td>${witness.keyId}</td><td>([^<]+)</td><td>passed</td></tr>`).exec(html);
      expect(row).not.toBeNull();
      // The newest size per shard is the archive's: the witness cosigned the newest shard checkpoints.
      const shards = (
        await new S3Source(new S3Client(clientConfig(moto.target)), stack.bucket).get(
          manifestOf(await unpack())
            .files.filter((f) => /^checkpoints\/\d/.test(f.path))
            .at(-1)!.path,
        )
      ).toString('utf8');
      for (const m of shards.matchAll(/^shard (\S+) (\d+) /gm)) expect(row![1]).toContain(`${m[1]} ${m[2]}`);
      const plain = join(work, 'plain-report.html');
      expect((await cli('report', ...where, '--from', yesterday, '--to', tomorrow, '--out', plain)).code).toBe(0);
      expect(readFileSync(plain, 'utf8')).toContain('not checked: the report was given no witness key');
    }, 60_000);
  });

  describe('bad usage: one line, exit 2', () => {
    const expectUsage = (r: Awaited<ReturnType<typeof cli>>, reason: RegExp) => {
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(reason);
    };

    it('a bundle that does not exist', async () => {
      expectUsage(await verifyBundle(join(work, 'nothing.tar.gz')), /does not exist/);
    });

    it('a file that is not a gzipped tar', async () => {
      const file = join(work, 'not-a-bundle.tar.gz');
      writeFileSync(file, 'hello, auditor\n');
      expectUsage(await verifyBundle(file), /is not a gzipped tar/);
    });

    it('a tar without a manifest', async () => {
      const file = await tampered('no-manifest', (dir) => rmSync(join(dir, 'MANIFEST.json')));
      expectUsage(await verifyBundle(file), /holds no MANIFEST\.json/);
    });

    it('no --public-key, or a --dir beside --bundle', async () => {
      expectUsage(await cli('verify', '--bundle', bundle), /needs --public-key/);
      expectUsage(await cli('verify', '--bundle', bundle, '--public-key', pem, '--dir', work), /--bundle takes no --dir/);
    });

    it('evidence with --from after --to, or an unwritable --out', async () => {
      expectUsage(await cli('evidence', ...where, '--from', tomorrow, '--to', yesterday, '--out', join(work, 'x.tar.gz')), /is after --to/);
      expectUsage(await cli('evidence', ...where, '--from', yesterday, '--to', tomorrow, '--out', join(work, 'missing', 'x.tar.gz')), /does not exist/);
      expect(existsSync(join(work, 'x.tar.gz'))).toBe(false);
    });
  });

  it('leaves no temporary folder behind, intact or tampered', async () => {
    const temporary = () =>
      readdirSync(tmpdir())
        .filter((n) => /^immutrail-(bundle|evidence)-/.test(n))
        .sort();
    const before = temporary();
    expect((await verifyBundle(bundle)).code).toBe(0);
    expect((await verifyBundle(join(work, 'report.tar.gz'))).code).toBe(1);
    expect((await verifyBundle(join(work, 'not-a-bundle.tar.gz'))).code).toBe(2);
    expect(temporary()).toEqual(before);
  });
});
