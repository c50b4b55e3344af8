import { Command, CommanderError } from 'commander';
import { errorExit } from './error-exit';
import { EXIT } from './errors';
import { packageVersion } from './package-version';

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
  report: async () => (await import('./commands/report')).registerReport,
  evidence: async () => (await import('./commands/evidence')).registerEvidence,
  attest: async () => (await import('./commands/attest')).registerAttest,
  backfill: async () => (await import('./commands/backfill')).registerBackfill,
  'org-policy': async () => (await import('./commands/org-policy')).registerOrgPolicy,
};

/** The program with the command `only` registered, or every command when `only` names none (help, a typo). */
export async function buildProgram(only?: string): Promise<Command> {
  const program = new Command('immutrail')
    .description('tamper-evident audit trail for AWS: verify, prove, query, attest, backfill, demo')
    .version(packageVersion())
    .option('--debug', 'when a command fails, print the stack and causes of its error too')
    .showHelpAfterError(false)
    // A usage error is one line: commander puts its "Did you mean" suggestion on a second one.
    .configureOutput({ writeErr: (text) => process.stderr.write(text.replace(/\n(?=\(Did you mean )/, ' ')) })
    .exitOverride();
  const names = only !== undefined && Object.hasOwn(COMMANDS, only) ? [only] : Object.keys(COMMANDS);
  for (const name of names) (await COMMANDS[name]())(program);
  for (const cmd of program.commands) cmd.exitOverride();
  return program;
}

/**
 * Runs the CLI; resolves to the exit code. Bad usage and an unreachable archive
 * are one line on stderr and exit 2; anything else is a bug: one line, exit 3
 * (see errorExit).
 */
export async function runCli(argv: readonly string[]): Promise<number> {
  // The SDK warns that its releases after January 2027 need Node 22; the pinned versions run on Node 20.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  let program: Command | undefined;
  try {
    // The global --debug may come before the command's name.
    program = await buildProgram(argv.find((a) => a !== '--debug'));
    await program.parseAsync(argv as string[], { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.OK;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Commander already printed its one-line reason (or the help text).
      return err.exitCode === 0 ? EXIT.OK : EXIT.USAGE;
    }
    const debug = program ? program.opts().debug === true : argv.includes('--debug');
    return errorExit(err, debug, (text) => process.stderr.write(text));
  }
}
