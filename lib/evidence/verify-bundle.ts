import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CheckpointError, parseSignedCheckpoint, verifyCheckpoint, type SignedCheckpoint, type TrustedKey } from '../core/checkpoint';
import { CHECKPOINTS_PREFIX, RECORDS_PREFIX, isCheckpointKey, parseBatchKey } from '../core/layout';
import { DirSource } from '../verify/dir-source';
import type { Problem } from '../verify/problems';
import { verifyArchive, type VerifyReport } from '../verify/verify-archive';
import type { WitnessVerifyOptions } from '../verify/witness-archive';
import { NotABundleError } from './errors';
import { MANIFEST_NAME, type Manifest } from './layout';
import { checkFiles, filesUnder, parseManifest, type ManifestProblem } from './manifest';
import { unpackFiles } from './tar-files';

export interface BundleVerdict {
  ok: boolean;
  bundle: string;
  /** Null when MANIFEST.json is not a manifest (then only that is reported). */
  manifest: Manifest | null;
  /** Files that disagree with the manifest. */
  files: ManifestProblem[];
  /** The archive part, verified over the period; null without a manifest. */
  archive: VerifyReport | null;
  /** The oldest checkpoint, dated before the period, whose previous one is expectedly not in the bundle. */
  anchor: { time: string; size: number } | null;
  /** The witnesses whose cosignatures were required (`--witness-key`), and how many; null: not checked. */
  witnesses: { names: string[]; required: number } | null;
}

/** Extracts the bundle into a fresh temporary folder; a file that is not a gzipped tar is not a bundle. */
async function extractBundle(file: string): Promise<{ root: string; skipped: string[] }> {
  if (!existsSync(file)) throw new NotABundleError(`${file} does not exist`);
  if (!statSync(file).isFile()) throw new NotABundleError(`${file} is not a file`);
  const root = mkdtempSync(join(tmpdir(), 'immutrail-bundle-'));
  try {
    const { skipped } = await unpackFiles(file, root);
    if (!existsSync(join(root, MANIFEST_NAME))) throw new NotABundleError(`${file} holds no ${MANIFEST_NAME}: not an evidence bundle`);
    return { root, skipped };
  } catch (err) {
    rmSync(root, { recursive: true, force: true });
    if (err instanceof NotABundleError) throw err;
    throw new NotABundleError(`${file} is not a gzipped tar: ${(err as Error).message}`, { cause: err });
  }
}

/** The bundle's checkpoints that the key signs, in the order the verifier sorts them. */
function signedCheckpoints(root: string, keys: readonly TrustedKey[]): SignedCheckpoint[] {
  const dir = join(root, CHECKPOINTS_PREFIX);
  if (!existsSync(dir)) return [];
  const valid: SignedCheckpoint[] = [];
  for (const path of filesUnder(root, CHECKPOINTS_PREFIX.slice(0, -1)).filter(isCheckpointKey)) {
    try {
      const signed = parseSignedCheckpoint(readFileSync(join(root, path)));
      verifyCheckpoint(signed, keys);
      valid.push(signed);
    } catch (err) {
      if (!(err instanceof CheckpointError)) throw err;
    }
  }
  return valid.sort((a, b) => a.checkpoint.size - b.checkpoint.size || (a.checkpoint.time < b.checkpoint.time ? -1 : 1));
}

/**
 * A bundle starts its checkpoints with the last one signed before the period,
 * whose previous checkpoint is not in the bundle: the verifier's CHECKPOINT_CHAIN
 * for that one is expected, and only when it is dated before the period.
 * A break anywhere else, or at a checkpoint of the period, means one was removed.
 */
function expectedChainBreak(problems: Problem[], oldest: SignedCheckpoint | undefined, from: string): Problem | undefined {
  if (!oldest || oldest.checkpoint.time.slice(0, 10) >= from) return undefined;
  const text = `checkpoint of ${oldest.checkpoint.time} (size ${oldest.checkpoint.size}) names a previous checkpoint`;
  return problems.find((p) => p.code === 'CHECKPOINT_CHAIN' && p.message.startsWith(text));
}

/** Batch objects in the bundle dated outside its period: the verifier's range would skip them unread. */
function outOfPeriod(root: string, period: Manifest['period']): Problem[] {
  if (!existsSync(join(root, RECORDS_PREFIX))) return [];
  return filesUnder(root, RECORDS_PREFIX.slice(0, -1)).flatMap((key) => {
    const k = parseBatchKey(key);
    return k && (k.date < period.from || k.date > period.to)
      ? [{ code: 'FOREIGN_OBJECT' as const, message: `object ${key} is dated ${k.date}, outside the bundle's period ${period.from} to ${period.to}`, key }]
      : [];
  });
}

/** Verifies the extracted archive part over the bundle's period. */
async function verifyArchivePart(
  root: string,
  manifest: Manifest,
  keys: readonly TrustedKey[],
  witness: WitnessVerifyOptions | undefined,
): Promise<{ archive: VerifyReport; anchor: BundleVerdict['anchor'] }> {
  const range = { fromDate: manifest.period.from, toDate: manifest.period.to };
  // The verifier reads the bundle's shard checkpoints (checkpoints/shards/) and, given witnesses, its cosignatures/ as it reads a bucket's.
  const report = await verifyArchive(new DirSource(root), { keys, range, ...(witness ? { witness } : {}) });
  const oldest = signedCheckpoints(root, keys)[0];
  const expected = expectedChainBreak(report.problems, oldest, manifest.period.from);
  const problems = [...report.problems.filter((p) => p !== expected), ...outOfPeriod(root, manifest.period)];
  return {
    archive: { ...report, ok: problems.length === 0, problems },
    anchor: expected ? { time: oldest.checkpoint.time, size: oldest.checkpoint.size } : null,
  };
}

/**
 * Checks an evidence bundle offline: every file against MANIFEST.json, then
 * the batch objects, checkpoints and shard checkpoints with the verifier, over
 * the bundle's period (records before it are expected to be missing); with
 * `witness`, the newest shard checkpoints' cosignatures too. Extracts into a
 * temporary folder, removed afterwards.
 */
export async function verifyBundle(file: string, keys: readonly TrustedKey[], witness?: WitnessVerifyOptions): Promise<BundleVerdict> {
  const { root, skipped } = await extractBundle(file);
  try {
    const parsed = parseManifest(readFileSync(join(root, MANIFEST_NAME), 'utf8'));
    if (typeof parsed === 'string') {
      const files: ManifestProblem[] = [{ code: 'MANIFEST_MALFORMED', file: MANIFEST_NAME, message: `${MANIFEST_NAME} is not a bundle manifest: ${parsed}` }];
      return { ok: false, bundle: file, manifest: null, files, archive: null, anchor: null, witnesses: null };
    }
    const files = [
      ...checkFiles(root, parsed),
      ...skipped.map((path): ManifestProblem => ({ code: 'EXTRA_FILE', file: path, message: `${path} is not a regular file (not extracted)` })),
    ];
    const { archive, anchor } = await verifyArchivePart(root, parsed, keys, witness);
    const witnesses = witness ? { names: witness.witnesses.map((w) => w.name), required: witness.required } : null;
    return { ok: files.length === 0 && archive.ok, bundle: file, manifest: parsed, files, archive, anchor, witnesses };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
