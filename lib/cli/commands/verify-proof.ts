import type { Command } from 'commander';
import { ProofFileError, parseProofFile } from '../../prove/proof-file';
import { verifyProofFile, type ProofVerdict } from '../../prove/verify-proof';
import { EXIT, UsageError } from '../errors';
import { pemKey, readOrUsage } from '../trusted-keys';

interface VerifyProofFlags {
  publicKey: string;
  origin?: string;
  json?: boolean;
}

export function formatVerdict(file: string, v: ProofVerdict): string {
  const s = v.summary;
  const out = [`immutrail verify-proof ${file}`];
  if (s) {
    out.push(`  record      ${s.id ?? '?'} (${s.kind ?? '?'}), shard ${s.shard ?? '?'} seq ${s.seq ?? '?'}, committed ${s.committed ?? '?'}`);
    if (s.eventTime) out.push(`  event time  ${s.eventTime}`);
    if (s.account) out.push(`  account     ${s.account}`);
    if (s.actor) out.push(`  actor       ${s.actor}`);
    if (s.action) out.push(`  action      ${s.action}`);
    if (s.resources.length > 0) out.push(`  resources   ${s.resources.join(', ')}`);
    if (s.note) out.push(`  note        ${s.note}`);
  }
  if (v.checkpoint) {
    out.push(
      `  checkpoint  ${v.checkpoint.origin} at ${v.checkpoint.time}${v.checkpoint.shardSize !== null ? `, ${v.checkpoint.shardSize} records in the shard` : ''}`,
    );
  }
  out.push(`  leaf        ${v.leafHash}`);
  for (const c of v.checks) out.push(`  ${c.status === 'pass' ? 'ok  ' : c.status === 'fail' ? 'FAIL' : 'skip'}  ${c.check.padEnd(9)}  ${c.message}`);
  if (v.ok) out.push(`VALID: record ${s?.id ?? ''} is in the checkpoint signed by ${v.checkpoint?.signer ?? '?'}`);
  else out.push(`INVALID: the ${v.failed} check failed: ${v.checks.find((c) => c.check === v.failed)!.message}`);
  return out.join('\n');
}

export function registerVerifyProof(program: Command): void {
  program
    .command('verify-proof')
    .description('check an inclusion proof file with only the checkpoint public key, no AWS access (exit 0 valid, 1 invalid, 2 bad usage)')
    .argument('<file>', 'proof file written by immutrail prove')
    .requiredOption('--public-key <pem>', 'checkpoint public key (PEM)')
    .option('--origin <name>', 'require the checkpoint to be signed under this name (default: any name, the key decides)')
    .option('--json', 'print the verdict as JSON')
    .action(async (file: string, flags: VerifyProofFlags) => {
      const key = pemKey(flags.publicKey, flags.origin);
      const text = readOrUsage(file, 'proof file');
      let proof;
      try {
        proof = parseProofFile(text);
      } catch (err) {
        if (err instanceof ProofFileError) throw new UsageError(`${file}: ${err.message}`);
        throw err;
      }
      const verdict = verifyProofFile(proof, [key]);
      process.stdout.write((flags.json ? JSON.stringify({ file, ...verdict }, null, 2) : formatVerdict(file, verdict)) + '\n');
      process.exitCode = verdict.ok ? EXIT.OK : EXIT.FAILED;
    });
}
