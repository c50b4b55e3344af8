import type { ArchiveCheck } from './context';

/**
 * Step 5: the archive's newest checkpoint must name every shard of the trusted
 * one with a size at least as large, and an archive with no valid checkpoint
 * does not extend a trusted one, whatever records it holds. (A partial read
 * shows the extension by consistency proofs instead: verify-archive.ts.)
 */
export const trustedExtension: ArchiveCheck = (ctx, out) => {
  const { trusted, latest } = ctx;
  if (!trusted) return;
  if (!latest) {
    out.problems.push({
      code: 'ROLLBACK',
      message: 'a checkpoint was trusted but the archive holds no valid checkpoint: nothing signed shows that the archive extends it',
    });
    return;
  }
  if (ctx.opts.partial) return;
  for (const s of trusted.checkpoint.shards) {
    const now = latest.checkpoint.shards.find((x) => x.shard === s.shard);
    if (!now || now.size < s.size) {
      out.problems.push({
        code: 'ROLLBACK',
        message: `the newest checkpoint in the archive (${latest.checkpoint.time}) is older than the trusted one for shard ${s.shard} (${now?.size ?? 0} < ${s.size} records)`,
        shard: s.shard,
      });
    }
  }
};
