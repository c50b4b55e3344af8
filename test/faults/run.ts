/**
 * `npm run faults [-- --seed N --events N --rate R]`: the fault-injection suite
 * of issue 19 on a local moto_server. Prints the table (docs/RELIABILITY.md)
 * and exits 1 when an invariant fails, 2 on a usage error.
 */
import { startMoto } from '../../lib/local/moto';
import { formatTable, runFaultSuite } from './suite';

function parseArgs(argv: string[]): { seed: number; events: number; rate: number; endpoint?: string; python: boolean } {
  const out = { seed: 19, events: 2000, rate: 0.05, endpoint: undefined as string | undefined, python: true };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--seed') out.seed = Number(value());
    else if (a === '--events') out.events = Number(value());
    else if (a === '--rate') out.rate = Number(value());
    else if (a === '--endpoint') out.endpoint = value();
    else if (a === '--no-python') out.python = false;
    else throw new Error(`unknown option ${a} (use --seed N --events N --rate R [--endpoint URL] [--no-python])`);
  }
  if (!Number.isSafeInteger(out.seed) || out.seed < 0) throw new Error('--seed must be a non-negative integer');
  if (!Number.isSafeInteger(out.events) || out.events < 40) throw new Error('--events must be an integer of at least 40');
  if (!(out.rate >= 0 && out.rate < 0.5)) throw new Error('--rate must be in [0, 0.5)');
  return out;
}

async function main(): Promise<number> {
  let args: ReturnType<typeof parseArgs>;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (err) {
    console.error(`faults: ${(err as Error).message}`);
    return 2;
  }
  const moto = args.endpoint ? undefined : await startMoto();
  try {
    const log = (l: string) => console.error(`[faults] ${l}`);
    log(`seed ${args.seed}, ${args.events} events, fault rate ${args.rate}`);
    const r = await runFaultSuite({
      target: { region: 'us-east-1', endpoint: args.endpoint ?? moto!.endpoint },
      seed: args.seed,
      events: args.events,
      rate: args.rate,
      python: args.python,
      log,
    });
    console.log(`npm run faults -- --seed ${args.seed} --events ${args.events} --rate ${args.rate}   (${new Date().toISOString().slice(0, 10)})\n`);
    console.log(formatTable(r));
    if (r.unexpectedErrors.length > 0)
      console.log(`\nerrors that were not injected (first ${r.unexpectedErrors.length}):\n` + r.unexpectedErrors.map((e) => `  - ${e}`).join('\n'));
    if (r.failures.length > 0) {
      console.log('\nINVARIANTS FAILED:\n' + r.failures.map((f) => `  - ${f}`).join('\n'));
      return 1;
    }
    console.log('\nall invariants held: 0 lost, 0 duplicated, 0 forks, verify OK');
    return 0;
  } finally {
    await moto?.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
