import { describe, expect, it } from 'vitest';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { makeCheckpoint, noteHash } from '../../lib/core/checkpoint';
import { checkpointKey } from '../../lib/core/layout';
import { signCheckpoint, shardState } from '../../lib/seal/seal';
import { parseSignedCheckpoint, trustedKeyFromPem } from '../../lib/core/checkpoint';
import { ingestSqsBatch, type IngestDeps } from '../../lib/ingest/sqs-batch';
import { seal, SealShrinkError, type SealDeps } from '../../lib/seal/seal';
import { liveHeads } from '../../lib/aws/live-heads';
import { SealConflictError } from '../../lib/aws/checkpoint-store';
import { verifyArchive } from '../../lib/verify/verify-archive';
import { useMoto } from '../support/moto';
import { createTestArchive, type TestArchive } from '../support/archive-env';
import { apiCallEnvelope, sqsEvent, sqsMessage } from '../support/events';

function ingestDeps(a: TestArchive): IngestDeps {
  return { ...a.commitDeps(), alerts: { deliver: async () => {} } };
}

const ingestOne = (a: TestArchive) => ingestSqsBatch(ingestDeps(a), sqsEvent([sqsMessage(apiCallEnvelope(), 'api')]));

function sealDeps(a: TestArchive, store: SealDeps['store'] = a.store): SealDeps {
  return { store, checkpoints: a.checkpoints, signer: a.signer, origin: a.origin };
}

async function verify(a: TestArchive) {
  return verifyArchive(a.source, { keys: [trustedKeyFromPem(a.origin, a.signer.publicKeyPem())], heads: await liveHeads(a.store) });
}

describe('seal races (issue 19, defect 1)', () => {
  const moto = useMoto();

  // Seal A reads the shard heads; ingest commits and seal B publishes a bigger
  // checkpoint; only then does A go on. A must not publish a smaller checkpoint
  // whose prev is B: that is a permanent, false ROLLBACK in a locked archive.
  it('a seal that read old heads never publishes a checkpoint smaller than the one before it', async () => {
    const a = await createTestArchive(moto.target);
    await ingestOne(a);
    await seal(sealDeps(a));
    let interleaved = false;
    const slowStore: SealDeps['store'] = {
      shards: () => a.store.shards(),
      head: async (shard) => {
        const h = await a.store.head(shard);
        if (!interleaved) {
          interleaved = true;
          await ingestOne(a);
          await ingestOne(a);
          await seal(sealDeps(a));
        }
        return h;
      },
    };
    const outcome = await seal(sealDeps(a, slowStore)).catch((err: unknown) => err);
    const latest = parseSignedCheckpoint((await a.checkpoints.latest())!);
    expect(latest.checkpoint.size).toBe(4);
    if (!(outcome instanceof SealConflictError)) {
      // A seal that retried on fresh heads is fine too, as long as it did not shrink.
      expect(outcome).not.toBeInstanceOf(Error);
    }
    const report = await verify(a);
    expect(report.problems).toEqual([]);
    expect(report.ok).toBe(true);
  });

  it('refuses to publish when the index heads are behind the latest checkpoint (an index restored from backup)', async () => {
    const a = await createTestArchive(moto.target);
    await ingestOne(a);
    await ingestOne(a);
    const before = await a.store.head('api');
    await seal(sealDeps(a));
    const stale: SealDeps['store'] = { shards: () => a.store.shards(), head: async () => ({ ...before, seq: before.seq - 1 }) };
    await expect(seal(sealDeps(a, stale))).rejects.toBeInstanceOf(SealShrinkError);
    const report = await verify(a);
    expect(report.ok).toBe(true);
  });

  it('never writes a checkpoint time earlier than the previous one (a seal on a container whose clock is behind)', async () => {
    const a = await createTestArchive(moto.target);
    await ingestOne(a);
    const first = await seal({ ...sealDeps(a), clock: () => new Date('2026-06-01T00:10:00.000Z') });
    const second = await seal({ ...sealDeps(a), clock: () => new Date('2026-06-01T00:09:59.000Z') });
    expect(second.signed.checkpoint.prev).not.toBeNull();
    expect(second.signed.checkpoint.time >= first.signed.checkpoint.time).toBe(true);
  });

  // Defect 8: the SDK retries a PutObject whose response was lost and gets 412 on its own note.
  it('a checkpoint note already stored with the same bytes counts as written, and the pointer moves', async () => {
    const a = await createTestArchive(moto.target);
    await ingestOne(a);
    const checkpoint = makeCheckpoint(a.origin, [shardState(await a.store.head('api'))], null, new Date('2026-06-01T00:00:00.000Z'));
    const signed = await signCheckpoint(a.signer, checkpoint);
    const key = checkpointKey(checkpoint.size, checkpoint.time, noteHash(signed.note));
    await a.s3.send(new PutObjectCommand({ Bucket: a.bucket, Key: key, Body: signed.note }));
    await expect(a.checkpoints.publish(signed, null)).resolves.toBe(key);
    expect(noteHash((await a.checkpoints.latest())!)).toBe(noteHash(signed.note));
  });
});
