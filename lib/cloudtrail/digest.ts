import type { JsonValue } from '../core/json';
import { LogFileError } from './errors';
import { decompress, parseJsonFile } from './log-file';
import { dayFolder, parseTrailKey } from '../contract/key-layout';

/** One log file as a CloudTrail digest file lists it. */
export interface DigestEntry {
  s3Bucket: string;
  s3Object: string;
  /** Hex SHA-256 of the log file's decompressed content. */
  hashValue: string;
  hashAlgorithm: string;
}

export interface DigestFile {
  digestStartTime: string | null;
  digestEndTime: string | null;
  logFiles: DigestEntry[];
}

function str(o: Record<string, JsonValue>, k: string): string | null {
  const v = o[k];
  return typeof v === 'string' ? v : null;
}

/**
 * Parses a digest file (gzipped JSON). Only the fields needed to look up a log
 * file's hash are read; the digest's own RSA signature (kept in the object's
 * metadata) is not checked here.
 */
export function parseDigestFile(body: Buffer): DigestFile {
  const doc = parseJsonFile(decompress(body).content);
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc) || !Array.isArray(doc.logFiles)) {
    throw new LogFileError('LOG_FILE_SHAPE', 'digest file has no "logFiles" array');
  }
  const logFiles: DigestEntry[] = [];
  for (const f of doc.logFiles) {
    if (typeof f !== 'object' || f === null || Array.isArray(f)) continue;
    const s3Bucket = str(f, 's3Bucket');
    const s3Object = str(f, 's3Object');
    const hashValue = str(f, 'hashValue');
    if (s3Bucket && s3Object && hashValue)
      logFiles.push({ s3Bucket, s3Object, hashValue: hashValue.toLowerCase(), hashAlgorithm: str(f, 'hashAlgorithm') ?? 'SHA-256' });
  }
  return { digestStartTime: str(doc, 'digestStartTime'), digestEndTime: str(doc, 'digestEndTime'), logFiles };
}

/** What CloudTrail's digest says a log file hashed to. */
export interface DigestLookup {
  /** The recorded SHA-256 (hex) and the digest file that recorded it; null when no digest lists the file (yet). */
  hashFor(bucket: string, key: string): Promise<{ sha256: string; digestKey: string } | null>;
}

/** Read access to the trail bucket, as much as digest lookup needs. */
export interface TrailObjects {
  list(prefix: string): AsyncIterable<string>;
  get(key: string): Promise<Buffer>;
}

// A digest covers the log files delivered in the hour before its end time and
// is itself delivered within about an hour; backfill digests come later still.
const LOOK_AHEAD_MS = 3 * 3_600_000;
const LOOK_BEHIND_MS = 5 * 60_000;

/**
 * Finds a log file's digest entry in the same bucket: the digest folder of the
 * file's account and region, on the day of the file's timestamp and the days
 * the next hours fall on, keeping only digests whose end time can cover the
 * file. Listings and parsed digests are cached for the lookup's lifetime (one
 * sweep or one backfill run).
 */
export class BucketDigestLookup implements DigestLookup {
  private readonly listings = new Map<string, Promise<string[]>>();
  private readonly digests = new Map<string, Promise<DigestFile | null>>();

  constructor(private readonly objects: TrailObjects) {}

  async hashFor(bucket: string, key: string): Promise<{ sha256: string; digestKey: string } | null> {
    const k = parseTrailKey(key);
    if (!k || k.kind !== 'log' || !k.fileTime) return null;
    const from = Date.parse(k.fileTime) - LOOK_BEHIND_MS;
    const to = Date.parse(k.fileTime) + LOOK_AHEAD_MS;
    const folders = new Set([
      dayFolder(k, 'digest', new Date(from)),
      dayFolder(k, 'digest', new Date(Date.parse(k.fileTime))),
      dayFolder(k, 'digest', new Date(to)),
    ]);
    for (const folder of folders) {
      for (const digestKey of await this.listing(folder)) {
        const d = parseTrailKey(digestKey);
        const end = d?.fileTime ? Date.parse(d.fileTime) : NaN;
        if (!(end >= from && end <= to)) continue;
        const digest = await this.digest(digestKey);
        const hit = digest?.logFiles.find((f) => f.s3Bucket === bucket && f.s3Object === key);
        if (hit) return { sha256: hit.hashValue, digestKey };
      }
    }
    return null;
  }

  private listing(folder: string): Promise<string[]> {
    let p = this.listings.get(folder);
    if (!p) {
      p = (async () => {
        const keys: string[] = [];
        for await (const key of this.objects.list(folder)) if (parseTrailKey(key)?.kind === 'digest') keys.push(key);
        return keys.sort();
      })();
      // A failed listing is not remembered: the next file asks again.
      p.catch(() => this.listings.delete(folder));
      this.listings.set(folder, p);
    }
    return p;
  }

  private digest(key: string): Promise<DigestFile | null> {
    let p = this.digests.get(key);
    if (!p) {
      // A damaged digest is not evidence about the log file either way.
      p = this.objects
        .get(key)
        .then(parseDigestFile)
        .catch((err) => {
          if (err instanceof LogFileError) return null;
          this.digests.delete(key);
          throw err;
        });
      this.digests.set(key, p);
    }
    return p;
  }
}
