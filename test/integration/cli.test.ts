import { PutObjectCommand, S3Client, GetObjectCommand } from '@aws-sdk/client-s3';
import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { clientConfig } from '../../lib/aws/client-config';
import { S3Source } from '../../lib/aws/s3-source';
import { ingestRuntime } from '../../lib/commit/runtime';
import { ingestSqsBatch } from '../../lib/ingest/sqs-batch';
import { provisionLocalStack } from '../../lib/local/provision';
import { cli } from '../support/cli';
import { apiCallEnvelope, sqsEvent, sqsMessage } from '../support/events';
import { useMoto } from '../support/moto';

describe('the immutrail CLI against an archive on moto', () => {
  const moto = useMoto();

  it('seals, verifies (exit 0), attests, and exits 1 on tampering and 2 on bad usage', async () => {
    const stack = await provisionLocalStack(moto.target, { objectLock: false });
    const runtime = await ingestRuntime({ ...process.env, ...stack.env }, moto.target);
    await ingestSqsBatch(runtime.deps, sqsEvent([1, 2, 3].map((i) => sqsMessage(apiCallEnvelope({ eventId: `cli-${i}` }), 'api'))));
    const where = [
      '--endpoint',
      moto.target.endpoint!,
      '--region',
      moto.target.region,
      '--bucket',
      stack.bucket,
      '--table',
      stack.table,
      '--origin',
      stack.origin,
    ];

    const sealed = await cli('seal', ...where, '--signing-key', stack.signingKeyId);
    expect(sealed.stderr).toBe('');
    expect(sealed.code).toBe(0);
    // 3 events, the genesis record, and the alerts the events raised (drift and Sigma), all in shard api.
    const sealedCount = Number(/sealed (\d+) records in 1 shard/.exec(sealed.stdout)![1]);
    expect(sealedCount).toBeGreaterThan(4);

    const ok = await cli('verify', ...where, '--signing-key', stack.signingKeyId, '--no-progress');
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/OK: every record, link and checkpoint verifies/);

    // The public key from KMS, then verification with nothing but that file.
    const pemFile = join(mkdtempSync(join(tmpdir(), 'immutrail-pk-')), 'checkpoint-key.pem');
    const exported = await cli('public-key', ...where, '--signing-key', stack.signingKeyId, '--out', pemFile);
    expect(exported.code).toBe(0);
    expect(readFileSync(pemFile, 'utf8')).toMatch(/^-----BEGIN PUBLIC KEY-----\n[\s\S]+-----END PUBLIC KEY-----\n$/);
    const offline = await cli('verify', ...where, '--public-key', pemFile, '--no-progress');
    expect(offline.code).toBe(0);
    const noKey = await cli('public-key', ...where);
    expect(noKey.code).toBe(2);
    expect(noKey.stderr.trim().split('\n')).toHaveLength(1);
    expect(noKey.stderr).toMatch(/--signing-key/);

    const json = await cli('verify', ...where, '--signing-key', stack.signingKeyId, '--json');
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: true, records: sealedCount, checkpoints: { valid: 1, latest: { size: sealedCount } } });

    const kms = new KMSClient(clientConfig(moto.target));
    const attestKey = (await kms.send(new CreateKeyCommand({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' }))).KeyMetadata!.Arn!;
    const attested = await cli('attest', ...where, '--image-digest', 'repo@sha256:' + 'c'.repeat(64), '--key', attestKey, '--signer', 'ci', '--json');
    expect(attested.code).toBe(0);
    expect(JSON.parse(attested.stdout)).toMatchObject({ subject: 'sha256:' + 'c'.repeat(64), subjectType: 'image-digest', signer: 'ci' });
    expect((await cli('attest', ...where, '--ami', 'not-an-ami', '--key', attestKey)).code).toBe(2);

    // The timeline index and its reindex command are gone (issue 13): asking for it is bad usage.
    expect((await cli('reindex', ...where)).code).toBe(2);

    // Overwrite a committed object in place (possible only because this test bucket has no Object Lock).
    const s3 = new S3Client(clientConfig(moto.target));
    const head = await runtime.deps.store.head('api');
    const listed: string[] = [];
    for await (const o of new S3Source(s3, stack.bucket).list('records/shard=api/')) listed.push(o.key);
    const body = await (await s3.send(new GetObjectCommand({ Bucket: stack.bucket, Key: listed[0] }))).Body!.transformToString();
    await s3.send(new PutObjectCommand({ Bucket: stack.bucket, Key: listed[0], Body: body.replace('203.0.113.10', '198.51.100.7') }));
    const tampered = await cli('verify', ...where, '--signing-key', stack.signingKeyId, '--no-progress');
    expect(tampered.code).toBe(1);
    expect(tampered.stdout).toMatch(/FAILED/);
    expect(tampered.stdout).toContain(listed[0]);
    expect(head.seq).toBe(sealedCount - 1);

    const bad = await cli('verify', '--endpoint', 'not a url', '--bucket', 'x');
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    const unreachable = await cli('verify', ...where.slice(0, 4), '--bucket', 'no-such-bucket', '--signing-key', stack.signingKeyId);
    expect(unreachable.code).toBe(2);
  });
});
