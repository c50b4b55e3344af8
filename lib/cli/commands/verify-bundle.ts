import { NotABundleError } from '../../evidence/errors';
import { MANIFEST_NAME } from '../../evidence/layout';
import { verifyBundle, type BundleVerdict } from '../../evidence/verify-bundle';
import { EXIT, UsageError } from '../errors';
import { pemKey } from '../trusted-keys';
import { witnessOptions, type WitnessFlags } from '../witness-options';
import { formatReport } from './verify';

/** Options of `verify` that name or narrow an archive: a bundle is its own archive and period. */
const NOT_WITH_BUNDLE = ['dir', 'stack', 'bucket', 'table', 'signingKey', 'trustedCheckpoint', 'shard', 'from', 'to', 'fromSeq', 'toSeq'] as const;
const flagName = (k: string) => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

export function formatBundleVerdict(v: BundleVerdict): string {
  const out = [`immutrail verify --bundle ${v.bundle}`];
  if (v.manifest) {
    out.push(`  period       ${v.manifest.period.from} to ${v.manifest.period.to}, origin ${v.manifest.origin ?? '(none)'}, key ${v.manifest.keyFingerprint}`);
    out.push(`  files        ${v.manifest.files.length} listed in ${MANIFEST_NAME}, ${v.files.length ? `${v.files.length} problem(s)` : 'all match'}`);
  }
  if (v.witnesses)
    out.push(`  witnesses    each shard's newest checkpoint needs ${v.witnesses.required} valid cosignature(s) of: ${v.witnesses.names.join(', ')}`);
  if (v.anchor)
    out.push(
      `  note: the oldest checkpoint (${v.anchor.time}, size ${v.anchor.size}) is dated before the period; its previous one is not in the bundle, as expected`,
    );
  for (const p of v.files) out.push(`  ${p.code} [file ${p.file}] (manifest check): ${p.message}`);
  if (v.archive)
    out.push(
      formatReport(v.archive)
        .split('\n')
        .map((l, i) => (i === 0 ? '  archive part:' : `  ${l}`))
        .join('\n'),
    );
  const cosigned = v.witnesses ? ', cosigned by the witnesses' : '';
  out.push(v.ok ? `OK: every file matches the manifest; every record, link and checkpoint verifies${cosigned}` : 'FAILED: the bundle is not intact');
  return out.join('\n');
}

/** `verify --bundle FILE --public-key PEM`: exit 0 intact, 1 tampered, 2 bad usage or not a bundle. */
export async function verifyBundleCommand(file: string, flags: { publicKey?: string; json?: boolean } & WitnessFlags): Promise<void> {
  const clash = NOT_WITH_BUNDLE.find((k) => (flags as Record<string, unknown>)[k] !== undefined);
  if (clash) throw new UsageError(`--bundle takes no ${flagName(clash)}: the bundle holds its archive and its period`);
  if (!flags.publicKey) throw new UsageError('--bundle needs --public-key PEM (the key you trust; the bundle holds a copy as public-key.pem)');
  const key = pemKey(flags.publicKey);
  const witness = witnessOptions(flags);
  let verdict: BundleVerdict;
  try {
    verdict = await verifyBundle(file, [key], witness);
  } catch (err) {
    if (err instanceof NotABundleError) throw new UsageError(err.message);
    throw err;
  }
  process.stdout.write((flags.json ? JSON.stringify(verdict, null, 2) : formatBundleVerdict(verdict)) + '\n');
  process.exitCode = verdict.ok ? EXIT.OK : EXIT.FAILED;
}
