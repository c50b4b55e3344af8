import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { parseSignedCheckpoint, type TrustedKey } from '../core/checkpoint';
import { keyFingerprint } from '../report/gather';
import type { ArchiveSource } from '../verify/source';
import { BUNDLE_FORMAT, MANIFEST_NAME, PUBLIC_KEY_NAME, README_NAME, REPORT_NAME, type Manifest } from './layout';
import { filesUnder, manifestEntry } from './manifest';
import { renderReadme } from './readme';
import { coveringCheckpointKeys, periodBatchKeys, type BundlePeriod } from './select-keys';
import { packFiles } from './tar-files';

export interface BundleInput {
  source: ArchiveSource;
  /** The checkpoint key; the first one's PEM goes in the bundle. */
  keys: readonly TrustedKey[];
  period: BundlePeriod;
  /** report.html for the same period. */
  reportHtml: string;
  now?: Date;
}

export interface BundleSummary {
  out: string;
  records: number;
  checkpoints: number;
  manifest: Manifest;
}

// Objects read at once from the archive.
const CONCURRENCY = 16;

/** Copies each key's object byte for byte to `root`/key. */
async function copyObjects(source: ArchiveSource, keys: readonly string[], root: string): Promise<void> {
  for (let at = 0; at < keys.length; at += CONCURRENCY) {
    const run = keys.slice(at, at + CONCURRENCY);
    const bodies = await Promise.all(run.map((k) => source.get(k)));
    run.forEach((key, i) => {
      const path = join(root, ...key.split('/'));
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, bodies[i]);
    });
  }
}

const write = (root: string, name: string, body: string | Buffer) => writeFileSync(join(root, name), body);

/**
 * Writes the evidence bundle for a period to `out`: the period's batch objects
 * and the checkpoints covering them under their archive keys, the public key,
 * the report, a README and the manifest of them all. Staged in a temporary
 * folder, removed afterwards.
 */
export async function writeBundle(input: BundleInput, out: string): Promise<BundleSummary> {
  if (input.keys.length === 0) throw new Error('writeBundle needs the checkpoint key');
  const stage = mkdtempSync(join(tmpdir(), 'immutrail-evidence-'));
  try {
    const records = await periodBatchKeys(input.source, input.period);
    const checkpoints = await coveringCheckpointKeys(input.source, input.period);
    await copyObjects(input.source, [...records, ...checkpoints], stage);
    const newest = checkpoints.at(-1);
    const origin = newest ? parseSignedCheckpoint(await input.source.get(newest)).checkpoint.origin : null;
    const about = { period: input.period, origin, keyFingerprint: keyFingerprint(input.keys[0]) };
    write(stage, PUBLIC_KEY_NAME, input.keys[0].publicKey.export({ type: 'spki', format: 'pem' }).toString());
    write(stage, REPORT_NAME, input.reportHtml);
    write(stage, README_NAME, renderReadme({ manifest: about, bundleName: basename(out), records: records.length, checkpoints: checkpoints.length }));
    const files = filesUnder(stage).map((p) => manifestEntry(p, readFileSync(join(stage, p))));
    const manifest: Manifest = { format: BUNDLE_FORMAT, ...about, createdAt: (input.now ?? new Date()).toISOString(), files };
    write(stage, MANIFEST_NAME, JSON.stringify(manifest, null, 2) + '\n');
    // The files an auditor reads first come first in the tar.
    const front = [README_NAME, MANIFEST_NAME, PUBLIC_KEY_NAME, REPORT_NAME];
    await packFiles(stage, [...front, ...checkpoints, ...records], out);
    return { out, records: records.length, checkpoints: checkpoints.length, manifest };
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}
