/**
 * Counts of the simulated run: totals by name, and per-second peaks by key
 * (a DynamoDB partition key, an S3 prefix), counted only from `from` on so a
 * warm-up does not dilute the figures.
 */
export class Meter {
  readonly totals = new Map<string, number>();
  private readonly perSecond = new Map<string, Map<number, number>>();

  constructor(
    private readonly now: () => number,
    readonly from = 0,
  ) {}

  get counting(): boolean {
    return this.now() >= this.from;
  }

  add(name: string, n = 1): void {
    if (!this.counting) return;
    this.totals.set(name, (this.totals.get(name) ?? 0) + n);
  }

  /** `n` units on `key` in the current simulated second (series: e.g. 'wru', key: a partition key). */
  tick(series: string, key: string, n = 1): void {
    if (!this.counting) return;
    const k = `${series}\u0000${key}`;
    const sec = Math.floor(this.now() / 1000);
    const m = this.perSecond.get(k) ?? new Map<number, number>();
    m.set(sec, (m.get(sec) ?? 0) + n);
    this.perSecond.set(k, m);
  }

  total(name: string): number {
    return this.totals.get(name) ?? 0;
  }

  /** Per key of a series: the busiest second and the sum. */
  series(series: string): { key: string; peakPerS: number; sum: number }[] {
    const out: { key: string; peakPerS: number; sum: number }[] = [];
    const prefix = `${series}\u0000`;
    for (const [k, m] of this.perSecond) {
      if (!k.startsWith(prefix)) continue;
      let peak = 0;
      let sum = 0;
      for (const v of m.values()) {
        peak = Math.max(peak, v);
        sum += v;
      }
      out.push({ key: k.slice(prefix.length), peakPerS: peak, sum });
    }
    return out.sort((a, b) => b.peakPerS - a.peakPerS || b.sum - a.sum);
  }
}
