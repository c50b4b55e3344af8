import { formatDuration } from '../format-duration';
import type { ArchiveCheck } from './context';

/** Step 6, with a maximum seal gap: the newest checkpoint may not be older than the newest committed record by more than the gap. */
export const sealGap: ArchiveCheck = (ctx, out) => {
  const max = ctx.opts.maxSealGapMs;
  if (max === undefined) return;
  const newestRecord = [...ctx.assembled.values()].reduce((t, a) => {
    const last = a.chain.at(-1)?.lastTime ?? '';
    return last > t ? last : t;
  }, '');
  if (!newestRecord) return;
  const latest = ctx.latest?.checkpoint;
  if (!latest) {
    out.problems.push({ code: 'SEAL_GAP', message: `records were committed up to ${newestRecord} and the archive holds no valid checkpoint` });
    return;
  }
  const gap = Date.parse(newestRecord) - Date.parse(latest.time);
  if (gap > max) {
    out.problems.push({
      code: 'SEAL_GAP',
      message: `the newest checkpoint (${latest.time}) is ${formatDuration(gap)} older than the newest record (${newestRecord}), more than the maximum seal gap of ${formatDuration(max)}`,
    });
  }
};
