import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { UsageError } from '../errors';
import { resolveTarget, type TargetOptions } from '../target';
import { trustedKeys } from '../trusted-keys';
import { targetOptions } from './shared-options';

/**
 * Writes the checkpoint signing key's public half as PEM (from KMS: --stack or
 * --signing-key): the file an auditor keeps and gives `verify --public-key`
 * and `verify-proof --public-key`, so that verification needs no AWS access.
 */
export function registerPublicKey(program: Command): void {
  targetOptions(
    program
      .command('public-key')
      .description(
        "write the checkpoint signing key's public key as PEM, for verify --public-key and verify-proof (exit 0 written, 2 bad usage or unreachable)",
      )
      .option('--out <file>', 'write it to this file (default: standard output)'),
  ).action(async (flags: TargetOptions & { out?: string }) => {
    const target = await resolveTarget(flags);
    if (!target.signingKey) throw new UsageError('give --signing-key KEY or --stack NAME: the public key is read from KMS');
    const [key] = await trustedKeys({}, target);
    const pem = key.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    if (!flags.out) {
      process.stdout.write(pem);
      return;
    }
    try {
      writeFileSync(flags.out, pem);
    } catch (err) {
      throw new UsageError(`cannot write ${flags.out}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    process.stderr.write(`wrote ${flags.out}\n`);
  });
}
