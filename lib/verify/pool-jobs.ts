import type { Problem } from './problems';
import { blockFrontiers, type BlockJob, type BlockResult } from './merkle-blocks';
import { scanBatch, type ScanFlags, type ScannedBatch } from './scan-batch';
import { scanLocalObjects, type LocalReader, type ScanResult } from './scan-local';

/** Work for a pool thread: a run of local files to read and scan, one object already read (e.g. from S3), or Merkle blocks. */
export type PoolRequest =
  | { id: number; kind: 'files'; keys: string[]; paths: string[]; sizes: (number | undefined)[]; flags: ScanFlags }
  | { id: number; kind: 'body'; key: string; body: Uint8Array; flags: ScanFlags }
  | { id: number; kind: 'blocks'; jobs: BlockJob[] };

/**
 * A ScannedBatch as a reply carries it: its leaves' ArrayBuffer is transferred
 * (the scan allocates one per object, outside Node's shared pool), and its
 * compact range, a few hundred bytes, travels as latin1 text.
 */
type WireBatch = Omit<ScannedBatch, 'range'> & { range: string };

export type PoolReply =
  | { id: number; kind: 'scan'; results: (WireBatch | Problem[])[] }
  | { id: number; kind: 'blocks'; results: BlockResult[] }
  | { id: number; kind: 'error'; error: string };

function toWire(id: number, results: ScanResult[]): PoolReply {
  return { id, kind: 'scan', results: results.map((r) => (Array.isArray(r) ? r : { ...r, range: r.range.toString('latin1') })) };
}

export function unpackScan(reply: Extract<PoolReply, { kind: 'scan' }>): ScanResult[] {
  return reply.results.map((r) => {
    if (Array.isArray(r)) return r;
    // After a transfer the leaves arrive as a plain Uint8Array.
    const { buffer, byteOffset, byteLength } = r.leaves;
    return { ...r, leaves: Buffer.from(buffer, byteOffset, byteLength), range: Buffer.from(r.range, 'latin1') };
  });
}

/** Runs one request on the calling thread; the same code runs in the workers and, between replies, on the main thread. */
export function runRequest(req: PoolRequest, reader: LocalReader): PoolReply {
  try {
    switch (req.kind) {
      case 'files':
        return toWire(
          req.id,
          scanLocalObjects(
            reader,
            req.keys.map((key, i) => ({ key, path: req.paths[i], size: req.sizes[i] })),
            req.flags,
          ),
        );
      case 'body':
        return toWire(req.id, [scanBatch(req.key, Buffer.from(req.body.buffer, req.body.byteOffset, req.body.byteLength), req.flags)]);
      case 'blocks':
        return { id: req.id, kind: 'blocks', results: req.jobs.map((j) => blockFrontiers(j)) };
    }
  } catch (err) {
    return { id: req.id, kind: 'error', error: String((err as Error)?.message ?? err) };
  }
}

/** What to transfer rather than copy with a reply or request. */
export function transferables(m: PoolRequest | PoolReply): ArrayBuffer[] {
  // Leaves not kept are empty: nothing of theirs to transfer.
  if (m.kind === 'scan') return m.results.flatMap((r) => (Array.isArray(r) || r.leaves.length === 0 ? [] : [r.leaves.buffer as ArrayBuffer]));
  if (m.kind === 'blocks' && 'jobs' in m) return m.jobs.map((j) => j.leaves.buffer as ArrayBuffer);
  return [];
}
