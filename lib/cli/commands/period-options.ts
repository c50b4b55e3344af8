import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import { archiveDir } from '../archive-dir';
import { UsageError } from '../errors';
import { parseDateOption, resolveTarget, type TargetOptions } from '../target';
import { trustedKeys } from '../trusted-keys';
import { addWitnessOptions, witnessOptions, type WitnessFlags } from '../witness-options';
import type { ArchiveReportInput } from './report';

/** The flags `report` and `evidence` share: a period of the archive, for auditors. */
export interface PeriodFlags extends TargetOptions, WitnessFlags {
  from: string;
  to: string;
  out: string;
  dir?: string;
  publicKey?: string;
  deployer: string[];
}

/** Adds the period, output, archive and witness options; `outHelp` and `keyHelp` say what the command writes and how it uses the key. */
export function periodOptions(cmd: Command, outHelp: string, keyHelp: string): Command {
  return addWitnessOptions(cmd)
    .requiredOption('--from <date>', 'first UTC day of the period (YYYY-MM-DD)', parseDateOption('--from'))
    .requiredOption('--to <date>', 'last UTC day of the period, inclusive (YYYY-MM-DD)', parseDateOption('--to'))
    .requiredOption('--out <file>', outHelp)
    .option('--dir <path>', 'read a local copy of the archive instead of the bucket')
    .option('--public-key <pem>', keyHelp)
    .option(
      '--deployer <principal>',
      "a deployment pipeline principal (ARN; * and ? globs), as in the stack's deployerPrincipals (repeatable)",
      (v: string, acc: string[]) => [...acc, v],
      [] as string[],
    );
}

/** Checks the flags before any work (a bad period, an unwritable output, no archive) and resolves the archive and its key. */
export async function periodInput(flags: PeriodFlags): Promise<ArchiveReportInput> {
  if (flags.from > flags.to) throw new UsageError(`--from ${flags.from} is after --to ${flags.to}`);
  assertWritable(flags.out);
  const target = await resolveTarget(flags);
  if (!flags.dir && !target.bucket) throw new UsageError('give --bucket, --stack or --dir');
  if (flags.dir) archiveDir(flags.dir);
  const keys = await trustedKeys(flags, target);
  const witness = witnessOptions(flags);
  return { target, dir: flags.dir, keys, period: { from: flags.from, to: flags.to }, deployers: flags.deployer, ...(witness ? { witness } : {}) };
}

/** Fails before any work when the report could not be written: a missing folder, or a file or folder without write permission. */
export function assertWritable(out: string): void {
  const path = resolve(out);
  const dir = dirname(path);
  const reason = !existsSync(dir)
    ? `folder ${dir} does not exist`
    : existsSync(path) && statSync(path).isDirectory()
      ? `${path} is a folder`
      : writable(existsSync(path) ? path : dir)
        ? null
        : `no permission to write ${existsSync(path) ? path : `in ${dir}`}`;
  if (reason) throw new UsageError(`cannot write ${out}: ${reason}`);
}

const writable = (path: string): boolean => {
  try {
    accessSync(path, constants.W_OK);
    return true;
  } catch {
    return false;
  }
};
