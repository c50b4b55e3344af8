import type { Command } from 'commander';

/** Where the archive lives: flags, or a deployed stack's outputs. */
export function targetOptions(cmd: Command): Command {
  return cmd
    .option('--stack <name>', 'read bucket, table, key and origin from this deployed stack')
    .option('--bucket <name>', 'archive bucket')
    .option('--table <name>', 'index table (chain heads, index)')
    .option('--signing-key <id>', 'KMS key id or ARN of the checkpoint signing key')
    .option('--origin <name>', 'the archive origin (checkpoint signer name)')
    .option('--region <region>', 'AWS region (default: AWS_REGION or us-east-1)')
    .option('--endpoint <url>', 'AWS endpoint URL (e.g. a local emulator)');
}
