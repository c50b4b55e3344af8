import type { ArchiveCheck } from './context';

/** With --duplicates: no id is committed twice across the archive (orphans do not count: they are not records). */
export const duplicateIds: ArchiveCheck = (ctx, out) => {
  if (!ctx.opts.checkDuplicates) return;
  const seen = new Map<string, string>();
  for (const a of ctx.assembled.values()) {
    for (const b of a.chain) {
      b.ids?.forEach((id, i) => {
        const where = `${a.shard}/${b.firstSeq + i}`;
        const first = seen.get(id);
        if (first)
          out.problems.push({
            code: 'DUPLICATE_ID',
            message: `id ${id} is committed twice (${first} and ${where})`,
            key: b.key,
            shard: a.shard,
            seq: b.firstSeq + i,
          });
        else seen.set(id, where);
      });
    }
  }
};
