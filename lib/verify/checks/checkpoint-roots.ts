import type { ArchiveCheck } from './context';

/**
 * Steps 4 and 5: every checkpoint, and the trusted one, must describe the
 * records (same roots and heads at its sizes). A slice holds too few records
 * for roots: its checkpoints are checked for signatures and chain only.
 */
export const checkpointRoots: ArchiveCheck = (ctx, out) => {
  if (ctx.opts.partial) return;
  const all = ctx.trusted ? [...ctx.checkpoints, ctx.trusted] : ctx.checkpoints;
  for (const c of all) {
    const isTrusted = c === ctx.trusted;
    const what = isTrusted ? 'trusted checkpoint' : `checkpoint of ${c.checkpoint.time}`;
    for (const s of c.checkpoint.shards) {
      if (ctx.opts.shard && s.shard !== ctx.opts.shard) continue;
      const a = ctx.assembled.get(s.shard)!;
      if (a.length < s.size) {
        out.problems.push({
          code: isTrusted ? 'ROLLBACK' : 'TRUNCATED',
          message: `shard ${s.shard}: ${what} committed to ${s.size} records, the archive holds ${a.length}`,
          shard: s.shard,
          seq: a.length,
        });
      } else if (ctx.roots.get(s.shard)?.get(s.size) !== s.root || (s.size > 0 && a.headsAt.get(s.size) !== s.head)) {
        out.problems.push({
          code: isTrusted ? 'ROLLBACK' : 'CHECKPOINT_MISMATCH',
          message: `shard ${s.shard}: the records do not match the root of the ${what} at size ${s.size}`,
          shard: s.shard,
        });
      }
    }
  }
};
