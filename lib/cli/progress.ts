import { createRequire } from 'node:module';

// Loaded only for a terminal (about 10 ms of start-up): scripts, pipes and CI never draw a bar.
const loadBars = () => createRequire(__filename)('cli-progress') as typeof import('cli-progress');

export interface Progress {
  update(done: number, total: number): void;
  stop(): void;
}

/** A progress bar on stderr when it is a terminal; silent otherwise (logs and pipes stay clean). */
export function progressBar(label: string, opts: { enabled?: boolean } = {}): Progress {
  if (opts.enabled === false || !process.stderr.isTTY) return { update: () => {}, stop: () => {} };
  const { SingleBar, Presets } = loadBars();
  const bar = new SingleBar(
    { stream: process.stderr, format: `${label.padEnd(12)} [{bar}] {percentage}% | {value}/{total}`, hideCursor: true, clearOnComplete: true },
    Presets.shades_classic,
  );
  let started = false;
  return {
    update(done, total) {
      if (!started) {
        bar.start(total, done);
        started = true;
      } else {
        bar.setTotal(total);
        bar.update(done);
      }
    },
    stop() {
      if (started) bar.stop();
    },
  };
}
