import { parseBatchKey } from '../core/layout';
import { ProveError } from '../verify/prove-error';

/** Line `n` (from 0) of a batch object, without its newline. */
export function lineAt(body: Buffer, n: number): Buffer {
  let start = 0;
  for (let i = 0; i < n; i++) {
    const nl = body.indexOf(0x0a, start);
    if (nl < 0) break;
    start = nl + 1;
  }
  const end = body.indexOf(0x0a, start);
  return body.subarray(start, end < 0 ? body.length : end);
}

/**
 * The exact bytes of record `seq` in a batch object (without its newline),
 * checked against the id and position the index gave for it.
 */
export function recordLineAt(body: Buffer, key: string, expect: { id: string; shard: string; seq: number }): Buffer {
  const parsed = parseBatchKey(key);
  if (!parsed || parsed.shard !== expect.shard || expect.seq < parsed.firstSeq || expect.seq > parsed.lastSeq) {
    throw new ProveError('RECORD_MISMATCH', `object ${key} cannot hold record ${expect.shard}/${expect.seq}`);
  }
  const line = lineAt(body, expect.seq - parsed.firstSeq);
  let header: { id?: unknown; shard?: unknown; seq?: unknown } | undefined;
  try {
    header = (JSON.parse(line.toString('utf8')) as { chain?: typeof header }).chain;
  } catch {
    header = undefined;
  }
  if (!header || header.id !== expect.id || header.shard !== expect.shard || header.seq !== expect.seq) {
    throw new ProveError('RECORD_MISMATCH', `object ${key} does not hold record ${expect.id} at ${expect.shard}/${expect.seq}`);
  }
  return Buffer.from(line);
}
