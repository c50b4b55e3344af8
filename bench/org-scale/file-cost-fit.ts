/**
 * CPU of one trail file as a function of its events: cpu = a·n + b·n²,
 * least squares through the origin. The quadratic term is there because the
 * simulation found one (reconcileLogFile groups drafts by shard with an array
 * spread per event); for linear code b comes out near zero.
 */
export interface FileCostFit {
  /** ms per event */
  a: number;
  /** ms per event squared */
  b: number;
}

export function fitFileCost(points: readonly { events: number; cpuMs: number }[]): FileCostFit {
  // Normal equations of min Σ (a n + b n² - y)².
  let s2 = 0;
  let s3 = 0;
  let s4 = 0;
  let y1 = 0;
  let y2 = 0;
  for (const { events: n, cpuMs: y } of points) {
    s2 += n * n;
    s3 += n ** 3;
    s4 += n ** 4;
    y1 += n * y;
    y2 += n * n * y;
  }
  const det = s2 * s4 - s3 * s3;
  if (points.length === 0 || s2 === 0) return { a: 0, b: 0 };
  if (Math.abs(det) < 1e-12 * s2 * s4) return { a: y1 / s2, b: 0 };
  const fit = { a: (y1 * s4 - y2 * s3) / det, b: (s2 * y2 - s3 * y1) / det };
  // Noisy timings can push one term below zero, which no code does: fit the other alone then.
  if (fit.a < 0) return { a: 0, b: y2 / s4 };
  if (fit.b < 0) return { a: y1 / s2, b: 0 };
  return fit;
}

export const fileCpuMs = (f: FileCostFit, events: number): number => f.a * events + f.b * events * events;

/** The most events one file can hold before its CPU alone reaches `budgetMs`. */
export function maxFileEvents(f: FileCostFit, budgetMs: number): number {
  if (f.b <= 0) return f.a > 0 ? budgetMs / f.a : Infinity;
  return (-f.a + Math.sqrt(f.a * f.a + 4 * f.b * budgetMs)) / (2 * f.b);
}
