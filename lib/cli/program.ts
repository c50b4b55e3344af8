import { Command, CommanderError } from 'commander';
import { EXIT, UsageError } from './errors';

type Register = (program: Command) => void;

/**
 * Each command's registration, imported only when it is needed: a command's
 * modules (SDK clients, DuckDB, the demo's deployment code) are most of the
 * CLI's start-up, and `immutrail verify-proof` on an auditor's laptop should
 * not load the demo. In the order `--help` lists them.
 */
const COMMANDS: Record<string, () => Promise<Register>> = {
  demo: async () => (await import('./commands/demo')).registerDemo,
  verify: async () => (await import('./commands/verify')).registerVerify,
  prove: async () => (await import('./commands/prove')).registerProve,
  'verify-proof': async () => (await import('./commands/verify-proof')).registerVerifyProof,
  consistency: async () => (await import('./commands/consistency')).registerConsistency,
  'public-key': async () => (await import('./commands/public-key')).registerPublicKey,
  seal: async () => (await import('./commands/seal')).registerSeal,
  query: async () => (await import('./commands/query')).registerQuery,
  attest: async () => (await import('./commands/attest')).registerAttest,
  backfill: async () => (await import('./commands/backfill')).registerBackfill,
  'org-policy': async () => (await import('./commands/org-policy')).registerOrgPolicy,
};

/** The program with the command `only` registered, or every command when `only` names none (help, a typo). */
export async function buildProgram(only?: string): Promise<Command> {
  const program = new Command('immutrail')
    .description('tamper-evident audit trail for AWS: verify, prove, query, attest, backfill, demo')
    .version(require('../../package.json').version)
    .showHelpAfterError(false)
    // A usage error is one line: commander puts its "Did you mean" suggestion on a second one.
    .configureOutput({ writeErr: (text) => process.stderr.write(text.replace(/\n(?=\(Did you mean )/, ' ')) })
    .exitOverride();
  const names = only !== undefined && Object.hasOwn(COMMANDS, only) ? [only] : Object.keys(COMMANDS);
  for (const name of names) (await COMMANDS[name]())(program);
  for (const cmd of program.commands) cmd.exitOverride();
  return program;
}

/** Runs the CLI; resolves to the exit code. Usage errors are one line on stderr and exit 2. */
export async function runCli(argv: readonly string[]): Promise<number> {
  // The SDK warns that its releases after January 2027 need Node 22; the pinned versions run on Node 20.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const program = await buildProgram(argv[0]);
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
