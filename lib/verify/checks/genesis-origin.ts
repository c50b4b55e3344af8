import { ANY_KEY_NAME } from '../../core/checkpoint';
import type { ArchiveCheck, CheckContext } from './context';

/**
 * The archive's origin (FORMAT.md 5): the trusted key's name, else the newest
 * checkpoint's, else the trusted checkpoint's; with none of these, the genesis
 * records must at least agree with each other, and the first shard's sets it.
 */
function archiveOrigin(ctx: CheckContext, geneses: readonly (string | null)[]): string | undefined {
  const keyNames = new Set(ctx.opts.keys.map((k) => k.keyName));
  const named = keyNames.size === 1 && !keyNames.has(ANY_KEY_NAME) ? [...keyNames][0] : undefined;
  return named ?? ctx.latest?.checkpoint.origin ?? ctx.trusted?.checkpoint.origin ?? geneses.find((o) => o !== null) ?? undefined;
}

/** Step 3: every genesis record read names the archive's origin [GENESIS_ORIGIN]. */
export const genesisOrigin: ArchiveCheck = (ctx, out) => {
  const geneses = [...ctx.assembled.values()].flatMap((a) => {
    const g = a.chain[0];
    return g && g.firstSeq === 0 && g.genesisOrigin !== undefined ? [{ a, g, origin: g.genesisOrigin }] : [];
  });
  const origin = archiveOrigin(
    ctx,
    geneses.map((x) => x.origin),
  );
  for (const { a, g } of geneses) {
    if (g.genesisOrigin === null || (origin !== undefined && g.genesisOrigin !== origin)) {
      out.problems.push({
        code: 'GENESIS_ORIGIN',
        message: `shard ${a.shard}: the genesis record names origin ${JSON.stringify(g.genesisOrigin)}, the archive's is ${JSON.stringify(origin ?? null)}`,
        key: g.key,
        shard: a.shard,
        seq: 0,
      });
    }
  }
};
