import { closeSync, openSync, readSync } from 'node:fs';
import type { Problem } from './problems';
import { scanPrefixed, type ScanFlags, type ScannedBatch } from './scan-batch';

export type ScanResult = ScannedBatch | Problem[];

/** A local copy of one batch object, with its size when the listing gave one. */
export interface LocalObject {
  key: string;
  path: string;
  size?: number;
}

/**
 * Reads local files into one reused buffer, behind the spare byte that
 * scanPrefixed needs. A file costs one open, one read and one close: no stat,
 * no allocation. A read that returns less than asked is the end of a regular
 * file; were a file ever cut short some other way, its hashes would not match
 * and the verifier would report it, never pass it.
 */
export class LocalReader {
  // Large from the start: memory is committed only where a read writes, and every time the buffer grows
  // the new one is touched afresh, which on a VM costs microseconds a page (batch objects are about 5 MB).
  #buf = Buffer.allocUnsafeSlow(1 << 24);

  /** The file's bytes after one spare byte; valid until the next call. */
  read(path: string, sizeHint?: number): Buffer {
    const fd = openSync(path, 'r');
    try {
      let len = 0;
      for (;;) {
        // Room for one byte more than expected, so that a file of the listed size ends with a short read.
        const need = 1 + Math.max(len, sizeHint ?? 0) + 1;
        if (this.#buf.length < need) {
          const grown = Buffer.allocUnsafe(Math.max(need, 2 * this.#buf.length));
          this.#buf.copy(grown, 0, 0, 1 + len);
          this.#buf = grown;
        }
        const want = this.#buf.length - 1 - len;
        const got = readSync(fd, this.#buf, 1 + len, want, len);
        len += got;
        // A short read is the end of the file (at the listed size, when there is one); otherwise read on to a read of 0.
        if (got === 0 || (got < want && (sizeHint === undefined || len === sizeHint))) break;
      }
      return this.#buf.subarray(0, 1 + len);
    } finally {
      closeSync(fd);
    }
  }
}

/** Reads and scans local objects in order; an object that cannot be read becomes an UNREADABLE problem. */
export function scanLocalObjects(reader: LocalReader, objects: readonly LocalObject[], flags: ScanFlags = {}): ScanResult[] {
  return objects.map((o) => {
    let buf: Buffer;
    try {
      buf = reader.read(o.path, o.size);
    } catch (err) {
      return [{ code: 'UNREADABLE', message: `object ${o.key} could not be read: ${(err as Error).message}`, key: o.key }];
    }
    return scanPrefixed(o.key, buf, flags);
  });
}
