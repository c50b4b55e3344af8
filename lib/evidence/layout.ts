/**
 * An evidence bundle's layout (docs/FORMAT.md, "Evidence bundle"): a gzipped
 * tar whose archive part keeps the bucket's keys, so that once extracted it is
 * a folder `verify --dir` reads like any copy of the archive.
 */
export const MANIFEST_NAME = 'MANIFEST.json';
export const REPORT_NAME = 'report.html';
export const PUBLIC_KEY_NAME = 'public-key.pem';
export const README_NAME = 'README.txt';
export const BUNDLE_FORMAT = 'immutrail-evidence/1';
/** Where the witness keys given to `evidence --witness-key` go, one C2SP vkey file each. */
export const WITNESS_KEYS_DIR = 'witness-keys';

/** A witness key's file in the bundle: its key name, with anything but [A-Za-z0-9._-] as "_" (names may hold slashes). */
export const witnessKeyPath = (name: string): string => `${WITNESS_KEYS_DIR}/${name.replace(/[^A-Za-z0-9._-]/g, '_')}.vkey`;

export interface ManifestFile {
  /** The file's path in the bundle; for batch objects and checkpoints, their key in the archive. */
  path: string;
  sha256: string;
  size: number;
}

export interface Manifest {
  format: typeof BUNDLE_FORMAT;
  /** The UTC days the bundle covers, inclusive (YYYY-MM-DD). */
  period: { from: string; to: string };
  /** The archive's origin, as its checkpoints name it (null when the bundle holds no checkpoint). */
  origin: string | null;
  /** SHA-256 of the signing key's DER public key, colon-separated hex, as the report shows it. */
  keyFingerprint: string;
  createdAt: string;
  /** Every file of the bundle but this manifest, in path order. */
  files: ManifestFile[];
}
