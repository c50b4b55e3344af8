import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { clientConfig, type AwsTarget } from '../../lib/aws/client-config';
import { ENV } from '../../lib/contract/runtime-config';
import { ingestRuntime } from '../../lib/commit/runtime';
import { ingestSqsBatch } from '../../lib/ingest/sqs-batch';
import { provisionLocalStack, type LocalStack } from '../../lib/local/provision';
import { runSeal, sealRuntime } from '../../lib/seal/runtime';
import { backfill } from '../../lib/cloudtrail/backfill';
import { S3LogFiles } from '../../lib/cloudtrail/log-file-source';
import { captureFromEnv } from '../../lib/cloudtrail/runtime';
import { TrailBucket } from '../../lib/cloudtrail/trail-bucket';
import { apiCallEnvelope, sqsEvent, sqsMessage } from './events';

export const REPORT_ADMIN = 'arn:aws:iam::111122223333:role/Admin';
export const REPORT_DEPLOYER = 'arn:aws:iam::111122223333:role/deploy-pipeline';
const INSTANCE = 'i-0aaaabbbbccccdddd';
const DAY_MS = 86_400_000;

export interface ReportArchive {
  stack: LocalStack;
  /** A scratch folder for reports and copies. */
  work: string;
  /** The checkpoint public key, PEM, in `work`. */
  pem: string;
  /** CLI flags that name the archive on moto. */
  where: string[];
  yesterday: string;
  today: string;
  tomorrow: string;
}

/** Checkpoints are signed now, so the story happens today. */
function days() {
  const day = (offset: number) => new Date(Date.now() + offset * DAY_MS).toISOString().slice(0, 10);
  return { yesterday: day(-1), today: day(0), tomorrow: day(1) };
}

function story(today: string) {
  const at = (hhmm: string) => `${today}T${hhmm}:00Z`;
  const run = apiCallEnvelope({
    eventId: 'run-1',
    eventName: 'RunInstances',
    roleArn: REPORT_DEPLOYER,
    time: at('00:10'),
    requestParameters: { instancesSet: { items: [{ imageId: 'ami-0123456789abcdef0' }] } },
  });
  (run.detail as Record<string, unknown>).responseElements = { instancesSet: { items: [{ instanceId: INSTANCE, imageId: 'ami-0123456789abcdef0' }] } };
  return {
    live: [
      apiCallEnvelope({ eventId: 'sg-admin', roleArn: REPORT_ADMIN, time: at('00:01') }),
      apiCallEnvelope({ eventId: 'sg-deploy', roleArn: REPORT_DEPLOYER, time: at('00:05') }),
      run,
      apiCallEnvelope({
        eventId: 'stop-trail',
        eventSource: 'cloudtrail.amazonaws.com',
        eventName: 'StopLogging',
        roleArn: REPORT_ADMIN,
        time: at('00:20'),
        requestParameters: { name: 'org-trail' },
      }),
    ],
    missed: apiCallEnvelope({ eventId: 'only-in-log', roleArn: REPORT_ADMIN, time: at('00:08') }),
  };
}

/**
 * A small archive on moto written by the real ingest, backfill and seal code:
 * a hand change (drift), a pipeline change, an unsigned AMI launch, a trail
 * stopped (tampering), one trail log file of today with an event the live lane
 * missed, and two checkpoints.
 */
export async function buildReportArchive(target: AwsTarget): Promise<ReportArchive> {
  const { yesterday, today, tomorrow } = days();
  const stack = await provisionLocalStack(target, { objectLock: false, extraEnv: { [ENV.deployerPrincipals]: JSON.stringify([REPORT_DEPLOYER]) } });
  const env = { ...process.env, ...stack.env };
  const runtime = await ingestRuntime(env, target);
  const { live, missed } = story(today);
  await ingestSqsBatch(runtime.deps, sqsEvent(live.map((e) => sqsMessage(e, 'api'))));
  await runSeal(sealRuntime(env, target));
  const s3 = new S3Client(clientConfig(target));
  const trail = `${stack.name}-trail`;
  await s3.send(new CreateBucketCommand({ Bucket: trail }));
  const compact = today.replace(/-/g, '');
  const logKey = `AWSLogs/111122223333/CloudTrail/eu-west-1/${today.replace(/-/g, '/')}/111122223333_CloudTrail_eu-west-1_${compact}T0010Z_a.json.gz`;
  await s3.send(new PutObjectCommand({ Bucket: trail, Key: logKey, Body: gzipSync(JSON.stringify({ Records: [live[0].detail, missed.detail] })) }));
  await backfill(runtime.deps, new S3LogFiles(new TrailBucket(s3, trail, ''), ''), captureFromEnv(env));
  await runSeal(sealRuntime(env, target));
  const work = mkdtempSync(join(tmpdir(), 'immutrail-report-'));
  const pem = join(work, 'key.pem');
  writeFileSync(pem, (await sealRuntime(env, target).deps.signer.publicKey()).export({ type: 'spki', format: 'pem' }));
  const where = [
    '--endpoint',
    target.endpoint!,
    '--region',
    target.region,
    '--bucket',
    stack.bucket,
    '--table',
    stack.table,
    '--signing-key',
    stack.signingKeyId,
    '--origin',
    stack.origin,
  ];
  return { stack, work, pem, where, yesterday, today, tomorrow };
}
