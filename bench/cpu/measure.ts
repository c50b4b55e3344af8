/** Wall and CPU time of one run; CPU is the whole process (all threads: libuv pool, GC). */
export interface Timing {
  wallMs: number;
  cpuMs: number;
}

export async function timed<T>(fn: () => Promise<T> | T): Promise<{ value: T; timing: Timing }> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const value = await fn();
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return { value, timing: { wallMs, cpuMs: (cpu.user + cpu.system) / 1000 } };
}

/**
 * The fastest of several runs: on a shared machine other work only ever slows
 * a run down, so the best run is the closest to what the code can do.
 */
export function best(timings: readonly Timing[]): Timing {
  return {
    wallMs: Math.min(...timings.map((t) => t.wallMs)),
    cpuMs: Math.min(...timings.map((t) => t.cpuMs)),
  };
}

export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export const perSecond = (n: number, ms: number): number => (ms > 0 ? (n * 1000) / ms : 0);
export const round = (x: number, digits = 1): number => Math.round(x * 10 ** digits) / 10 ** digits;
