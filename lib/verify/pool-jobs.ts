import type { Problem } from './problems';
import { blockFrontiers, type BlockJob, type BlockResult } from './merkle-blocks';
import { scanBatch, type ScannedBatch } from './scan-batch';
import { scanLocalObjects, type LocalReader, type ScanResult } from './scan-local';

/** Work for a pool thread: a run of local files to read and scan, one object already read (e.g. from S3), or Merkle blocks. */
export type PoolRequest =
  | { id: number; kind: 'files'; keys: string[]; paths: string[]; sizes: (number | undefined)[]; collectIds?: boolean }
  | { id: number; kind: 'body'; key: string; body: Uint8Array; collectIds?: boolean }
  | { id: number; kind: 'blocks'; jobs: BlockJob[] };

/** A ScannedBatch whose leaves and compact range are offsets into the reply's packed bytes. */
type WireBatch = Omit<ScannedBatch, 'leaves' | 'range'> & { leaves: number; range: number; rangeBytes: number };

export type PoolReply =
  | { id: number; kind: 'scan'; results: (WireBatch | Problem[])[]; leaves: Uint8Array }
  | { id: number; kind: 'blocks'; results: BlockResult[] }
  | { id: number; kind: 'error'; error: string };

function pack(id: number, results: ScanResult[]): PoolReply {
  let total = 0;
  for (const r of results) if (!Array.isArray(r)) total += r.leaves.length + r.range.length;
  // Every batch's leaves and range back to back, in an ArrayBuffer of their own: one transfer per job, not one per object.
  const leaves = new Uint8Array(total);
  let at = 0;
  const wire = results.map((r) => {
    if (Array.isArray(r)) return r;
    leaves.set(r.leaves, at);
    leaves.set(r.range, at + r.leaves.length);
    const w: WireBatch = { ...r, leaves: at, range: at + r.leaves.length, rangeBytes: r.range.length };
    at += r.leaves.length + r.range.length;
    return w;
  });
  return { id, kind: 'scan', results: wire, leaves };
}

export function unpackScan(reply: Extract<PoolReply, { kind: 'scan' }>): ScanResult[] {
  const { buffer, byteOffset } = reply.leaves;
  return reply.results.map((r) => {
    if (Array.isArray(r)) return r;
    const { rangeBytes, ...batch } = r;
    return { ...batch, leaves: Buffer.from(buffer, byteOffset + r.leaves, r.count * 32), range: Buffer.from(buffer, byteOffset + r.range, rangeBytes) };
  });
}

/** Runs one request on the calling thread; the same code runs in the workers and, between replies, on the main thread. */
export function runRequest(req: PoolRequest, reader: LocalReader): PoolReply {
  try {
    switch (req.kind) {
      case 'files':
        return pack(
          req.id,
          scanLocalObjects(
            reader,
            req.keys.map((key, i) => ({ key, path: req.paths[i], size: req.sizes[i] })),
            req.collectIds,
          ),
        );
      case 'body':
        return pack(req.id, [scanBatch(req.key, Buffer.from(req.body.buffer, req.body.byteOffset, req.body.byteLength), { collectIds: req.collectIds })]);
      case 'blocks':
        return { id: req.id, kind: 'blocks', results: req.jobs.map((j) => blockFrontiers(j)) };
    }
  } catch (err) {
    return { id: req.id, kind: 'error', error: String((err as Error)?.message ?? err) };
  }
}

/** What to transfer rather than copy with a reply or request. */
export function transferables(m: PoolRequest | PoolReply): ArrayBuffer[] {
  if (m.kind === 'scan') return [m.leaves.buffer as ArrayBuffer];
  if (m.kind === 'blocks' && 'jobs' in m) return m.jobs.map((j) => j.leaves.buffer as ArrayBuffer);
  return [];
}
