import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { parseSignedCheckpoint, type TrustedKey } from '../core/checkpoint';
import { cosignerVkey, type Cosigner } from '../core/witness/cosignature';
import { keyFingerprint } from '../report/gather';
import type { ArchiveSource } from '../core/archive-source';
import { BUNDLE_FORMAT, MANIFEST_NAME, PUBLIC_KEY_NAME, README_NAME, REPORT_NAME, WITNESS_KEYS_DIR, witnessKeyPath, type Manifest } from './layout';
import { filesUnder, manifestEntry } from './manifest';
import { renderReadme } from './readme';
import { coveringCheckpointKeys, periodBatchKeys, type BundlePeriod } from './select-keys';
import { witnessFileKeys } from './select-witness-files';
import { packFiles } from './tar-files';

export interface BundleInput {
  source: ArchiveSource;
  /** The checkpoint key; the first one's PEM goes in the bundle. */
  keys: readonly TrustedKey[];
  period: BundlePeriod;
  /** report.html for the same period. */
  reportHtml: string;
  /** Witnesses the auditor may check the cosignatures with (`--witness-key`): their vkeys go in the bundle. */
  witnesses?: readonly Cosigner[];
  now?: Date;
}

export interface BundleSummary {
  out: string;
  records: number;
  checkpoints: number;
  /** Shard checkpoints, and the witnesses' cosigned copies of them. */
  shardNotes: number;
  cosigned: number;
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

/** Each witness's C2SP vkey, one line, in the bundle; resolves to their paths. */
function writeWitnessKeys(root: string, witnesses: readonly Cosigner[]): string[] {
  if (witnesses.length > 0) mkdirSync(join(root, WITNESS_KEYS_DIR), { recursive: true });
  return witnesses.map((c) => {
    const path = witnessKeyPath(c.name);
    write(root, path, cosignerVkey(c) + '\n');
    return path;
  });
}

/**
 * Writes the evidence bundle for a period to `out`: the period's batch objects
 * and the checkpoints covering them under their archive keys, with the shard
 * checkpoints those commit to, their witness requests and cosignatures, and the
 * witness keys given; the public key,
 * the report, a README and the manifest of them all. Staged in a temporary
 * folder, removed afterwards.
 */
export async function writeBundle(input: BundleInput, out: string): Promise<BundleSummary> {
  if (input.keys.length === 0) throw new Error('writeBundle needs the checkpoint key');
  const stage = mkdtempSync(join(tmpdir(), 'immutrail-evidence-'));
  try {
    const records = await periodBatchKeys(input.source, input.period);
    const checkpoints = await coveringCheckpointKeys(input.source, input.period);
    const w = await witnessFileKeys(input.source, checkpoints);
    const witnessFiles = [...w.notes, ...w.requests, ...w.cosigned];
    await copyObjects(input.source, [...records, ...checkpoints, ...witnessFiles], stage);
    const keyFiles = writeWitnessKeys(stage, input.witnesses ?? []);
    const newest = checkpoints.at(-1);
    const origin = newest ? parseSignedCheckpoint(await input.source.get(newest)).checkpoint.origin : null;
    const about = { period: input.period, origin, keyFingerprint: keyFingerprint(input.keys[0]) };
    write(stage, PUBLIC_KEY_NAME, input.keys[0].publicKey.export({ type: 'spki', format: 'pem' }).toString());
    write(stage, REPORT_NAME, input.reportHtml);
    const counts = { records: records.length, checkpoints: checkpoints.length, shardNotes: w.notes.length, cosigned: w.cosigned.length };
    write(stage, README_NAME, renderReadme({ manifest: about, bundleName: basename(out), ...counts, witnessKeys: keyFiles }));
    const files = filesUnder(stage).map((p) => manifestEntry(p, readFileSync(join(stage, p))));
    const manifest: Manifest = { format: BUNDLE_FORMAT, ...about, createdAt: (input.now ?? new Date()).toISOString(), files };
    write(stage, MANIFEST_NAME, JSON.stringify(manifest, null, 2) + '\n');
    // The files an auditor reads first come first in the tar.
    const front = [README_NAME, MANIFEST_NAME, PUBLIC_KEY_NAME, REPORT_NAME];
    await packFiles(stage, [...front, ...keyFiles, ...checkpoints, ...witnessFiles, ...records], out);
    return { out, ...counts, manifest };
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}
