import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import type { SdkClientConfig } from '../aws/client-config';
import { S3Source } from '../aws/s3-source';
import { trustedKeyFromPem } from '../core/checkpoint';
import type { JsonObject } from '../core/json';
import type { LocalStack } from '../local/provision';
import { buildInclusionProof } from '../prove/build-proof';
import { DynamoIndexTable } from '../prove/dynamo-index-table';
import { RequestMeter, meterAwsClient } from '../prove/request-meter';
import { verifyProofFile } from '../prove/verify-proof';
import type { DemoProgress, DemoSummary } from './run-demo';

/** The demo's Prove step: an inclusion proof for one record, built with metered storage reads and checked offline with only the public key. */
export async function proveOneRecord(
  cfg: SdkClientConfig,
  stack: Pick<LocalStack, 'table' | 'bucket' | 'origin'>,
  publicKeyPem: string,
  record: JsonObject,
  p: DemoProgress,
): Promise<DemoSummary['proof']> {
  p.step('Prove: an inclusion proof for one record, checked offline with only the public key');
  const meter = new RequestMeter();
  const proofDdb = new DynamoDBClient(cfg);
  const proofS3 = new S3Client(cfg);
  meterAwsClient(proofDdb, meter);
  meterAwsClient(proofS3, meter);
  const proven = await buildInclusionProof(
    { table: new DynamoIndexTable(proofDdb, stack.table), objects: new S3Source(proofS3, stack.bucket), meter },
    String(record.eventID),
    { time: String(record.eventTime) },
  );
  const verdict = verifyProofFile(proven.proof, [trustedKeyFromPem(stack.origin, publicKeyPem)]);
  const { shard, seq, treeSize } = proven.proof;
  const proof = { eventId: String(record.eventID), action: String(record.eventName), reads: proven.reads.reads, valid: verdict.ok, shard, seq, treeSize };
  p.info(`${proof.action} ${proof.eventId}: record ${seq} of ${treeSize} in shard ${shard}, ${proof.reads} storage reads, offline check ${verdict.ok ? 'valid' : `INVALID (${verdict.failed})`}`);
  return proof;
}
