import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { ImmutrailError } from '../core/errors';
import { trustedWitness } from '../verify/witness-check';
import type { WitnessVerifyOptions } from '../verify/witness-archive';
import { UsageError } from './errors';
import { parseIntOption } from './target';

export interface WitnessFlags {
  witnessKey?: string[];
  witnesses?: number;
  witnessDir?: string[];
}

const collect = (v: string, all: string[] = []): string[] => [...all, v];

/** `verify`'s witness options: trusted witness keys, how many must cosign, copies of witness buckets. */
export function addWitnessOptions(cmd: Command): Command {
  return cmd
    .option(
      '--witness-key <file>',
      "a trusted witness: its .vkey file, or NAME=FILE for a PEM (repeatable); the newest shard checkpoints then need the witnesses' cosignatures",
      collect,
    )
    .option(
      '--witnesses <n>',
      'valid cosignatures by distinct trusted witnesses each newest shard checkpoint needs (default: every --witness-key)',
      parseIntOption('--witnesses'),
    )
    .option(
      '--witness-dir <dir>',
      "a copy of a witness's bucket (its cosigned/ notes): shows a rollback even when the archive's cosignatures/ were removed (repeatable)",
      collect,
    );
}

function readKey(spec: string) {
  const eq = spec.indexOf('=');
  const [name, file] = eq > 0 && !spec.slice(0, eq).includes('/') ? [spec.slice(0, eq), spec.slice(eq + 1)] : [undefined, spec];
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read witness key ${file}: ${(err as NodeJS.ErrnoException).code}`);
  }
  try {
    return trustedWitness(text, name);
  } catch (err) {
    if (err instanceof ImmutrailError) throw new UsageError(`witness key ${file}: ${err.message}`, { cause: err });
    throw err;
  }
}

export function witnessOptions(flags: WitnessFlags): WitnessVerifyOptions | undefined {
  const keys = flags.witnessKey ?? [];
  if (keys.length === 0) {
    if (flags.witnesses !== undefined || flags.witnessDir) throw new UsageError('--witnesses and --witness-dir need at least one --witness-key');
    return undefined;
  }
  const witnesses = keys.map(readKey);
  const required = flags.witnesses ?? witnesses.length;
  if (required < 1 || required > witnesses.length) throw new UsageError(`--witnesses must be between 1 and the ${witnesses.length} witness key(s) given`);
  return { witnesses, required, dirs: (flags.witnessDir ?? []).map(witnessDir) };
}

/** A copy of a witness's bucket holds its cosigned/ notes; a mistyped path is bad usage, not a missing archive. */
function witnessDir(dir: string): string {
  if (!existsSync(join(dir, 'cosigned'))) throw new UsageError(`${dir} holds no cosigned/ folder: give a copy of the witness's bucket (aws s3 sync)`);
  return dir;
}
