import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import type { JsonValue } from '../core/json';
import { memberArraySpans, scanJsonText, valueShape } from '../core/json-shape';
import { parseJson } from '../core/parse-json';
import { LogFileError } from './errors';

/** CloudTrail log files are at most a few hundred MB uncompressed; this bounds a hostile one. */
export const MAX_LOG_FILE_BYTES = 1024 * 1024 * 1024;

export interface LogFile {
  records: JsonValue[];
  /** The decompressed bytes, as CloudTrail's digest hashes them. */
  content: Buffer;
  /** SHA-256 of `content`, hex (what a digest file's logFiles[].hashValue holds). */
  sha256: string;
  compressed: boolean;
  /**
   * Records whose objects repeat a member name, by index, with their exact
   * text: JSON.parse kept only the last value, so they are quarantined whole.
   */
  repeatedNames: Map<number, string>;
}

const isGzip = (b: Buffer): boolean => b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b;

/** Gunzips when the bytes are gzip, else returns them as they are. */
export function decompress(body: Buffer, maxBytes = MAX_LOG_FILE_BYTES): { content: Buffer; compressed: boolean } {
  if (!isGzip(body)) {
    if (body.length > maxBytes) throw new LogFileError('LOG_FILE_TOO_LARGE', `file is larger than ${maxBytes} bytes`);
    return { content: body, compressed: false };
  }
  try {
    return { content: gunzipSync(body, { maxOutputLength: maxBytes }), compressed: true };
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ERR_BUFFER_TOO_LARGE' || e instanceof RangeError) {
      throw new LogFileError('LOG_FILE_TOO_LARGE', `file is larger than ${maxBytes} bytes once decompressed`);
    }
    throw new LogFileError('LOG_FILE_CORRUPT', `gzip data is damaged: ${e.message}`);
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/** Decompressed bytes -> parsed JSON; errors say which of the two steps failed. */
export function parseJsonFile(content: Buffer): JsonValue {
  return parseJsonText(content).doc;
}

function parseJsonText(content: Buffer): { text: string; doc: JsonValue } {
  let text: string;
  try {
    text = utf8.decode(content);
  } catch {
    throw new LogFileError('LOG_FILE_CORRUPT', 'file is not UTF-8 text');
  }
  try {
    return { text, doc: parseJson(text) };
  } catch (err) {
    throw new LogFileError('LOG_FILE_NOT_JSON', `file is not JSON: ${(err as Error).message}`);
  }
}

/** Records (by index) whose text repeats a member name; one scan of the file, and per record only when the file has any. */
function recordsRepeatingNames(text: string, doc: JsonValue, records: readonly JsonValue[]): Map<number, string> {
  const found = new Map<number, string>();
  if (scanJsonText(text).members === valueShape(doc).members) return found;
  memberArraySpans(text, 'Records').forEach(([from, to], i) => {
    const t = text.slice(from, to);
    if (i < records.length && scanJsonText(t).members !== valueShape(records[i]).members) found.set(i, t);
  });
  return found;
}

/**
 * Reads one CloudTrail log file as delivered to S3: gzipped JSON
 * `{"Records": [...]}` (plain JSON is accepted too, for copies people have
 * unpacked). Records are returned as parsed, in file order, untouched but for
 * integers beyond 2^53, which become decimal strings (see parseJson).
 */
export function readLogFile(body: Buffer, opts: { maxBytes?: number } = {}): LogFile {
  const { content, compressed } = decompress(body, opts.maxBytes);
  const { text, doc } = parseJsonText(content);
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    throw new LogFileError('LOG_FILE_SHAPE', 'file is not a JSON object with a "Records" array');
  }
  const records = doc.Records;
  if (!Array.isArray(records)) throw new LogFileError('LOG_FILE_SHAPE', 'file has no "Records" array');
  return { records, content, sha256: createHash('sha256').update(content).digest('hex'), compressed, repeatedNames: recordsRepeatingNames(text, doc, records) };
}
