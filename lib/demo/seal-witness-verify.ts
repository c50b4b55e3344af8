import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';
import { ChainStore } from '../aws/chain-store';
import { clientConfig, type AwsTarget } from '../aws/client-config';
import { liveHeads } from '../aws/live-heads';
import { S3Source } from '../aws/s3-source';
import { trustedKeyFromPem } from '../core/checkpoint';
import type { LocalStack } from '../local/provision';
import { runSeal, sealRuntime, type SealRun } from '../seal/runtime';
import { verifyArchive, type VerifyReport } from '../verify/verify-archive';
import { runDemoWitness, witnessLine, type DemoWitness } from './demo-witness';
import type { DemoProgress } from './run-demo';

export interface SealedAndVerified {
  sealed: SealRun;
  /** The archive key's public half (SPKI PEM). */
  publicKeyPem: string;
  witness: DemoWitness;
  report: VerifyReport;
}

/**
 * The demo's last three steps on the archive: seal (a checkpoint, shard
 * checkpoints and their witness requests), a witness run that cosigns them,
 * and the verifier with only the archive's public key and the witness's,
 * requiring its cosignature on every shard's newest checkpoint.
 */
export async function sealWitnessVerify(
  target: AwsTarget,
  env: NodeJS.ProcessEnv,
  stack: Pick<LocalStack, 'bucket' | 'table' | 'origin'>,
  s3: S3Client,
  p: DemoProgress,
): Promise<SealedAndVerified> {
  p.step('Seal: a checkpoint over every shard, signed by the KMS key');
  const sealed = await runSeal(sealRuntime(env, target));
  p.info(`checkpoint of ${sealed.signed.checkpoint.size} records in ${sealed.signed.checkpoint.shards.length} shards: ${sealed.key}`);
  const publicKeyPem = (await sealRuntime(env, target).deps.signer.publicKey()).export({ type: 'spki', format: 'pem' }).toString();

  p.step("Witness: a witness checks each shard checkpoint extends the last one it saw, and cosigns it");
  const started = Date.now();
  const witness = await runDemoWitness(target, { bucket: stack.bucket, origin: stack.origin, publicKeyPem }, randomUUID().slice(0, 8));
  p.info(`${witnessLine(witness)}, in ${((Date.now() - started) / 1000).toFixed(1)} s`);

  p.step("Verify: every record, link and checkpoint, with only the public key and the witness's key");
  const verifyBar = p.bar('verifying');
  const report = await verifyArchive(new S3Source(s3, stack.bucket), {
    keys: [trustedKeyFromPem(stack.origin, publicKeyPem)],
    heads: await liveHeads(new ChainStore(new DynamoDBClient(clientConfig(target)), stack.table)),
    checkDuplicates: true,
    witness: { witnesses: [witness.cosigner], required: 1, dirs: [] },
    onProgress: (x) => verifyBar.update(x.objects, x.totalObjects),
  });
  verifyBar.stop();
  p.info(report.ok ? `OK: ${report.records} records, ${report.objects} objects, every newest shard checkpoint cosigned, no problem` : `FAILED: ${report.problems.length} problems`);
  return { sealed, publicKeyPem, witness, report };
}
