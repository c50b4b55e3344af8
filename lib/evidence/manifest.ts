import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { BUNDLE_FORMAT, MANIFEST_NAME, type Manifest, type ManifestFile } from './layout';

/** Each way a bundle's files can disagree with its manifest. */
export type ManifestProblemCode = 'MANIFEST_MALFORMED' | 'MISSING_FILE' | 'EXTRA_FILE' | 'FILE_SIZE' | 'FILE_DIGEST';

export interface ManifestProblem {
  code: ManifestProblemCode;
  /** The file, as the manifest names it. */
  file: string;
  message: string;
}

export const sha256 = (body: Buffer): string => createHash('sha256').update(body).digest('hex');

export function manifestEntry(path: string, body: Buffer): ManifestFile {
  return { path, sha256: sha256(body), size: body.length };
}

/** Every regular file under `root`, as slash-separated paths relative to it, in path order. */
export function filesUnder(root: string, prefix = ''): string[] {
  const out: string[] = [];
  for (const e of readdirSync(join(root, prefix), { withFileTypes: true })) {
    const path = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...filesUnder(root, path));
    else out.push(path);
  }
  return out.sort();
}

/** The manifest's fields, when they have the shape a bundle's manifest has; else why not. */
export function parseManifest(text: string): Manifest | string {
  let m: unknown;
  try {
    m = JSON.parse(text);
  } catch (err) {
    return `not JSON: ${(err as Error).message}`;
  }
  const o = m as Partial<Manifest>;
  if (typeof o !== 'object' || o === null || o.format !== BUNDLE_FORMAT) return `format is not ${BUNDLE_FORMAT}`;
  if (!o.period || !/^\d{4}-\d{2}-\d{2}$/.test(o.period.from) || !/^\d{4}-\d{2}-\d{2}$/.test(o.period.to)) return 'period is not two YYYY-MM-DD days';
  const fileOk = (f: ManifestFile) => typeof f?.path === 'string' && /^[0-9a-f]{64}$/.test(f.sha256) && Number.isSafeInteger(f.size);
  if (!Array.isArray(o.files) || !o.files.every(fileOk)) return 'files is not a list of {path, sha256, size}';
  return o as Manifest;
}

/**
 * Checks the extracted bundle in `root` against its manifest: every file listed
 * is there with its size and SHA-256, and nothing else is.
 */
export function checkFiles(root: string, manifest: Manifest): ManifestProblem[] {
  const problems: ManifestProblem[] = [];
  const present = new Set(filesUnder(root).filter((p) => p !== MANIFEST_NAME));
  for (const f of manifest.files) {
    if (!present.delete(f.path)) {
      problems.push({ code: 'MISSING_FILE', file: f.path, message: `${f.path} is listed in ${MANIFEST_NAME} but missing from the bundle` });
      continue;
    }
    const body = readFileSync(join(root, f.path));
    if (body.length !== f.size) {
      problems.push({ code: 'FILE_SIZE', file: f.path, message: `${f.path} holds ${body.length} bytes, ${MANIFEST_NAME} says ${f.size}` });
    } else if (sha256(body) !== f.sha256) {
      problems.push({ code: 'FILE_DIGEST', file: f.path, message: `${f.path} does not match its SHA-256 in ${MANIFEST_NAME}` });
    }
  }
  for (const extra of present) {
    problems.push({ code: 'EXTRA_FILE', file: extra, message: `${extra} is in the bundle but not listed in ${MANIFEST_NAME}` });
  }
  return problems;
}
