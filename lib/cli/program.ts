import { Command, CommanderError } from 'commander';
import { EXIT, UsageError } from './errors';
import { registerAttest } from './commands/attest';
import { registerBackfill } from './commands/backfill';
import { registerDemo } from './commands/demo';
import { registerProve } from './commands/prove';
import { registerQuery } from './commands/query';
import { registerReindex } from './commands/reindex';
import { registerSeal } from './commands/seal';
import { registerVerify } from './commands/verify';
import { registerVerifyProof } from './commands/verify-proof';

const COMMANDS: ((program: Command) => void)[] = [registerDemo, registerVerify, registerProve, registerVerifyProof, registerSeal, registerQuery, registerAttest, registerBackfill, registerReindex];

export function buildProgram(): Command {
  const program = new Command('immutrail')
    .description('tamper-evident audit trail for AWS: verify, prove, query, attest, backfill, demo')
    .version(require('../../package.json').version)
    .showHelpAfterError(false)
    .exitOverride();
  for (const register of COMMANDS) register(program);
  for (const cmd of program.commands) cmd.exitOverride();
  return program;
}

/** Runs the CLI; resolves to the exit code. Usage errors are one line on stderr and exit 2. */
export async function runCli(argv: readonly string[]): Promise<number> {
  // The SDK warns that its releases after January 2027 need Node 22; the pinned versions run on Node 20.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const program = buildProgram();
  try {
    await program.parseAsync(argv as string[], { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.OK;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Commander already printed its one-line reason (or the help text).
      return err.exitCode === 0 ? EXIT.OK : EXIT.USAGE;
    }
    if (err instanceof UsageError) {
      process.stderr.write(`immutrail: ${err.message}\n`);
      return EXIT.USAGE;
    }
    process.stderr.write(`immutrail: ${(err as Error).message}\n`);
    return EXIT.USAGE;
  }
}
