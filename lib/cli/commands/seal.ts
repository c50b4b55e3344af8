import type { Command } from 'commander';
import { ENV } from '../../contract/runtime-config';
import { runSeal, sealRuntime } from '../../seal/runtime';
import { need, resolveTarget, type TargetOptions } from '../target';
import { targetOptions } from './shared-options';

/** Runs the seal once, as the scheduled Lambda does (useful after an outage, and in the demo). */
export function registerSeal(program: Command): void {
  targetOptions(program.command('seal').description('sign a checkpoint over every shard now, as the scheduled seal does')).action(
    async (flags: TargetOptions) => {
      const t = await resolveTarget(flags);
      const env = {
        [ENV.archiveBucket]: need(t.bucket, '--bucket (or --stack)'),
        [ENV.table]: need(t.table, '--table (or --stack)'),
        [ENV.signingKeyId]: need(t.signingKey, '--signing-key (or --stack)'),
        [ENV.origin]: need(t.origin, '--origin (or --stack)'),
      };
      const { signed, key, tileError } = await runSeal(sealRuntime(env, t.aws));
      process.stdout.write(`sealed ${signed.checkpoint.size} records in ${signed.checkpoint.shards.length} shard(s): s3://${env[ENV.archiveBucket]}/${key}\n`);
      if (tileError) process.stderr.write(`immutrail: proof tiles not extended: ${(tileError as Error).message}\n`);
    },
  );
}
