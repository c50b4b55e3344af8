import { createHash, hash } from 'node:crypto';
import { closeSync, openSync, readdirSync, readFileSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { ANY_KEY_NAME, trustedKeyFromPem } from '../../lib/core/checkpoint';
import { DirSource } from '../../lib/verify/dir-source';
import { scanBatch } from '../../lib/verify/scan-batch';
import { LocalReader } from '../../lib/verify/scan-local';
import { verifyArchive } from '../../lib/verify/verify-archive';
import type { ArchiveManifest } from '../archive/generate';
import { best, perSecond, round, timed, type Timing } from './measure';
import { opensslVersion, timeOpensslSha256 } from './openssl';

export class VerifyBenchError extends Error {
  readonly code = 'ARCHIVE_DID_NOT_VERIFY';
}

const MB = 1e6;
const LEAF_PREFIX = Buffer.from([0]);

/**
 * Where a verification's CPU goes, on a sample of the archive's objects: listing
 * (DirSource.list: readdir, no stat), reading (as the scan pool reads: open, one
 * read into a reused buffer, close; and readFileSync for comparison), scanning
 * (scanBatch: split, hash, parse headers), and, for comparison, bare SHA-256 of
 * the same records one by one (createHash, and one-shot crypto.hash as scanBatch
 * does) and of each object in one call.
 */
async function breakdown(root: string, sampleObjects: number, archiveBytes: number) {
  const source = new DirSource(root);
  const listed = await timed(async () => {
    const all: { key: string }[] = [];
    for await (const o of source.list('records/')) all.push(o);
    return all;
  });
  const sample = listed.value.slice(0, sampleObjects);
  const paths = sample.map((o) => source.localPath(o.key));
  const read = await timed(() => paths.map((p) => readFileSync(p)));
  const bodies = read.value;
  const bytes = bodies.reduce((n, b) => n + b.length, 0);
  // As the verifier's scan pool reads a local copy (lib/verify/scan-local.ts).
  const reader = new LocalReader();
  const readReused = await timed(() => paths.forEach((p) => reader.read(p)));
  const scan = await timed(() => bodies.forEach((b, i) => scanBatch(sample[i].key, b)));
  const perRecord = await timed(() => {
    for (const b of bodies) {
      for (let start = 0; start < b.length;) {
        let end = b.indexOf(0x0a, start);
        if (end < 0) end = b.length;
        createHash('sha256').update(LEAF_PREFIX).update(b.subarray(start, end)).digest();
        start = end + 1;
      }
    }
  });
  const perRecordOneShot = await timed(() => {
    for (const b of bodies) {
      const withPrefix = Buffer.concat([LEAF_PREFIX, b]);
      for (let start = 0; start < b.length;) {
        let end = b.indexOf(0x0a, start);
        if (end < 0) end = b.length;
        withPrefix[start] = 0;
        hash('sha256', withPrefix.subarray(start, end + 1), 'hex');
        start = end + 1;
      }
    }
  });
  const perObject = await timed(() => bodies.forEach((b) => hash('sha256', b, 'buffer')));
  const mbPerCpuS = (t: Timing, n = bytes) => round(perSecond(n / MB, t.cpuMs));
  return {
    sample_objects: sample.length,
    sample_mb: round(bytes / MB),
    list_mb_per_cpu_s: mbPerCpuS(listed.timing, archiveBytes),
    read_mb_per_cpu_s: mbPerCpuS(readReused.timing),
    read_file_sync_mb_per_cpu_s: mbPerCpuS(read.timing),
    scan_batch_mb_per_cpu_s: mbPerCpuS(scan.timing),
    sha256_per_record_mb_per_cpu_s: mbPerCpuS(perRecord.timing),
    sha256_per_record_one_shot_mb_per_cpu_s: mbPerCpuS(perRecordOneShot.timing),
    sha256_per_object_mb_per_cpu_s: mbPerCpuS(perObject.timing),
  };
}

/**
 * Read right before each timed run, untimed, so both sides are timed from the
 * page cache: a cold read of this machine's virtual disk runs at about 30 MB/s
 * and would measure the disk, and its page cache does not always hold the
 * archive and its concatenated copy (2.5 GB each at a million records) at once.
 */
function warmFile(file: string): number {
  const t0 = performance.now();
  const buf = Buffer.allocUnsafe(8 << 20);
  const fd = openSync(file, 'r');
  while (readSync(fd, buf, 0, buf.length, null) > 0);
  closeSync(fd);
  return (performance.now() - t0) / 1000;
}

function warmFolder(dir: string): number {
  const t0 = performance.now();
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name));
      else readFileSync(join(d, e.name));
    }
  };
  walk(dir);
  return (performance.now() - t0) / 1000;
}

/**
 * Verifies the archive with the real verifier (verifyArchive over a DirSource)
 * and hashes the same bytes with openssl, alternately, `repeats` times each.
 */
export async function verifyTask(m: ArchiveManifest, repeats: number) {
  const keys = [trustedKeyFromPem(ANY_KEY_NAME, m.publicKeyPem)];
  const verifyRuns: Timing[] = [];
  const opensslRuns: Timing[] = [];
  let report: Awaited<ReturnType<typeof verifyArchive>> | undefined;
  let warmSeconds = 0;
  for (let i = 0; i < repeats; i++) {
    warmSeconds += warmFile(m.concatFile);
    opensslRuns.push(timeOpensslSha256(m.concatFile));
    warmSeconds += warmFolder(m.archiveDir);
    const r = await timed(() => verifyArchive(new DirSource(m.archiveDir), { keys }));
    report = r.value;
    if (!report.ok || report.records !== m.records || report.checkpoints.valid !== m.checkpoints) {
      throw new VerifyBenchError(
        `the generated archive did not verify: ok=${report.ok} records=${report.records}/${m.records} checkpoints=${report.checkpoints.valid}/${m.checkpoints} ${JSON.stringify(report.problems.slice(0, 3))}`,
      );
    }
    verifyRuns.push(r.timing);
    process.stderr.write(`  verify run ${i + 1}/${repeats}: ${round(r.timing.wallMs / 1000)} s wall, openssl ${round(opensslRuns[i].wallMs / 1000)} s\n`);
  }
  const v = best(verifyRuns);
  const o = best(opensslRuns);
  const mb = m.bytes / MB;
  return {
    records: report!.records,
    objects: report!.objects,
    shards: report!.shards.length,
    checkpoints_checked: report!.checkpoints.valid,
    mb: round(mb),
    repeats,
    warm_up_s: round(warmSeconds),
    verify_wall_s: round(v.wallMs / 1000, 2),
    verify_cpu_s: round(v.cpuMs / 1000, 2),
    verify_records_per_s: Math.round(perSecond(m.records, v.wallMs)),
    verify_mb_per_s: round(perSecond(mb, v.wallMs)),
    verify_mb_per_cpu_s: round(perSecond(mb, v.cpuMs)),
    openssl: opensslVersion(),
    openssl_wall_s: round(o.wallMs / 1000, 2),
    openssl_mb_per_s: round(perSecond(mb, o.wallMs)),
    openssl_mb_per_cpu_s: round(perSecond(mb, o.cpuMs)),
    // Waiting on the disk shows as wall time well above CPU time (openssl is single-threaded).
    openssl_io_bound: o.wallMs > 1.3 * o.cpuMs,
    verify_vs_openssl_ratio: round(perSecond(mb, v.wallMs) / perSecond(mb, o.wallMs), 3),
    verify_vs_openssl_cpu_ratio: round(perSecond(mb, v.cpuMs) / perSecond(mb, o.cpuMs), 3),
    breakdown: await breakdown(m.archiveDir, 5000, m.bytes),
  };
}
