import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KMSClient } from '@aws-sdk/client-kms';
import { S3Client } from '@aws-sdk/client-s3';
import type { Command } from 'commander';
import { recordAttestation, signAttestation } from '../../attest/attest';
import { ArchiveWriter } from '../../aws/archive-writer';
import { AttestationStore } from '../../aws/attestation-store';
import { ChainStore } from '../../aws/chain-store';
import { clientConfig } from '../../aws/client-config';
import { AttestationError } from '../../core/attestation';
import { UsageError } from '../errors';
import { need, resolveTarget, type TargetOptions } from '../target';
import { targetOptions } from './shared-options';

interface AttestFlags extends TargetOptions {
  imageDigest?: string;
  ami?: string;
  key?: string;
  signer?: string;
  json?: boolean;
}

export function registerAttest(program: Command): void {
  targetOptions(
    program
      .command('attest')
      .description('sign an image digest or AMI id with a trusted KMS key (run by CI after a build) and record the attestation')
      .option('--image-digest <ref>', 'image digest (sha256:...) or reference pinned by digest (repo@sha256:...)')
      .option('--ami <id>', 'AMI id (ami-...)')
      .requiredOption('--key <kmsKeyId>', 'the trusted attestation KMS key (asymmetric, SIGN_VERIFY)')
      .option('--signer <name>', 'who signs: pipeline name, build URL')
      .option('--json', 'print the attestation as JSON'),
  ).action(async (flags: AttestFlags) => {
    if (Boolean(flags.imageDigest) === Boolean(flags.ami)) throw new UsageError('give exactly one of --image-digest or --ami');
    const target = await resolveTarget(flags);
    const table = need(target.table, '--table (or --stack)');
    const bucket = need(target.bucket, '--bucket (or --stack)');
    const origin = need(target.origin, '--origin (or --stack)');
    const kms = new KMSClient(clientConfig(target.aws));
    let att;
    try {
      att = await signAttestation(kms, {
        subject: flags.imageDigest ?? flags.ami!,
        subjectType: flags.imageDigest ? 'image-digest' : 'ami',
        keyId: flags.key!,
        signer: flags.signer ?? null,
      });
    } catch (err) {
      if (err instanceof AttestationError) throw new UsageError(err.message);
      throw new UsageError(`cannot sign with ${flags.key}: ${(err as Error).message}`);
    }
    const ddb = new DynamoDBClient(clientConfig(target.aws));
    await recordAttestation(
      new AttestationStore(ddb, table),
      {
        store: new ChainStore(ddb, table),
        archive: new ArchiveWriter(new S3Client(clientConfig(target.aws)), { bucket, retentionDays: 0 }),
        origin,
      },
      att,
    );
    process.stdout.write(
      flags.json ? JSON.stringify(att, null, 2) + '\n' : `attested ${att.subjectType} ${att.subject} with ${att.keyId} at ${att.signedAt}\n`,
    );
  });
}
