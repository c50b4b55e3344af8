/**
 * A model of the ingest function's billed duration on AWS, from what the run
 * measured that does carry over (the handler's CPU time, the requests it made)
 * rather than its wall time on moto_server, which serves one request at a time
 * and takes seconds per call that AWS answers in milliseconds.
 *
 *   duration = CPU ms x (1769 MB / memory, at least 1) + I/O ms, rounded up to 1 ms
 *
 * CPU: Lambda allocates CPU in proportion to memory, one full vCPU at 1,769 MB
 * (https://docs.aws.amazon.com/lambda/latest/dg/configuration-memory.html), so
 * a CPU-bound handler at 1,024 MB takes 1769/1024 as long as on one full core.
 * That assumes one core of the bench machine does what one Lambda vCPU does:
 * the bench runs on x86-64, the function on arm64 (Graviton); no factor
 * between them was measured, so none is applied.
 *
 * I/O: each request the handler made, at a per-request latency from
 * latency.json. Within a shard the handler's requests are sequential; shards
 * of one invocation run concurrently (Promise.all in lib/ingest/sqs-batch.ts).
 * The headline ('sequential') sums every request of the invocation, as if the
 * shards ran one after the other, and adds the CPU time: an upper bound of the
 * model, as CPU and waits overlap. 'parallel-shards' divides the invocation's
 * I/O by its shard count (shards perfectly balanced): a lower figure, reported
 * alongside.
 */
export interface Latency {
  ms: number;
  basis: string;
  source: string | null;
  source_date: string | null;
}

export interface LatencyTable {
  checked: string;
  note?: string;
  latencies: Record<string, Latency>;
}

/** What one invocation did, as the run measured it. */
export interface InvocationProfile {
  wallMs: number;
  cpuMs: number;
  shards: number;
  /** Request attempts by "Service.Operation". */
  requests: Record<string, number>;
  /** Those of them that were alert handling (alert-attribution.ts). */
  alertRequests: Record<string, number>;
  /** Which lane's delivery the invocation took (bench/cost/e2e.ts), when known. */
  lane?: 'live' | 'trail';
}

export type DurationModel = 'sequential' | 'parallel-shards';

/** Memory at which a function has one full vCPU. */
export const ONE_VCPU_MB = 1769;

export class LatencyTableError extends Error {
  readonly code = 'LATENCY_UNKNOWN';
}

export function latencyMs(table: LatencyTable, request: string): number {
  const [service] = request.split('.');
  const l = table.latencies[request] ?? table.latencies[`${service}.*`] ?? table.latencies['*'];
  if (!l) throw new LatencyTableError(`no latency for ${request} and no '*' entry`);
  return l.ms;
}

/** How much longer CPU work takes at this memory size than on one full vCPU (a single-threaded handler gains nothing above it). */
export const cpuSlowdown = (memoryMb: number): number => Math.max(1, ONE_VCPU_MB / memoryMb);

export interface DurationEstimate {
  model: DurationModel;
  /** Billed ms in all (each invocation rounded up to 1 ms). */
  billedMs: number;
  cpuMs: number;
  ioMs: number;
  /** The part of ioMs spent on alert handling requests. */
  alertIoMs: number;
}

export function modelDuration(profiles: readonly InvocationProfile[], memoryMb: number, table: LatencyTable, model: DurationModel): DurationEstimate {
  const io = (requests: Record<string, number>) => Object.entries(requests).reduce((ms, [r, n]) => ms + n * latencyMs(table, r), 0);
  const out: DurationEstimate = { model, billedMs: 0, cpuMs: 0, ioMs: 0, alertIoMs: 0 };
  for (const p of profiles) {
    const share = model === 'parallel-shards' ? 1 / Math.max(1, p.shards) : 1;
    const cpu = p.cpuMs * cpuSlowdown(memoryMb);
    const waits = io(p.requests) * share;
    out.cpuMs += cpu;
    out.ioMs += waits;
    out.alertIoMs += io(p.alertRequests) * share;
    out.billedMs += Math.ceil(cpu + waits);
  }
  return out;
}

/** GB-seconds of a number of billed milliseconds at a memory size. */
export const gbSeconds = (ms: number, memoryMb: number): number => (ms / 1000) * (memoryMb / 1024);
