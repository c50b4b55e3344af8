import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { canonicalize } from '../../lib/core/canonical';
import { buildBatch, emptyHead, genesisDraft, recordHash } from '../../lib/core/chain';
import { parseSignedCheckpoint, topRoot, trustedKeyFromPem, verifyCheckpoint } from '../../lib/core/checkpoint';
import { leafHash, nodeHash, rootOf } from '../../lib/core/merkle';
import type { JsonValue } from '../../lib/core/json';
import { draftFromEvent } from '../../lib/commit/drafts';

/** docs/FORMAT.md is the spec: its examples must be what the code produces, byte for byte. */
const doc = readFileSync(join(__dirname, '../../docs/FORMAT.md'), 'utf8');

function example(name: string): string {
  const m = new RegExp(`<!-- example:${name} -->\\n\`\`\`\\n([\\s\\S]*?)\`\`\`\\n`).exec(doc);
  if (!m) throw new Error(`docs/FORMAT.md has no example "${name}"`);
  return m[1];
}

describe('docs/FORMAT.md matches the implementation', () => {
  const body = example('batch-body');
  const lines = body.split('\n').filter(Boolean);

  it('each documented line is the RFC 8785 form of itself', () => {
    for (const line of lines) expect(canonicalize(JSON.parse(line) as JsonValue)).toBe(line);
  });

  it('the documented record hashes are SHA-256(0x00 || line)', () => {
    const documented = example('record-hashes').trim().split('\n');
    const computed = lines.map((l) =>
      createHash('sha256')
        .update(Buffer.from([0]))
        .update(l)
        .digest('hex'),
    );
    expect(computed).toEqual(documented);
    expect(lines.map((l) => recordHash(Buffer.from(l)).toString('hex'))).toEqual(documented);
  });

  it('the code builds exactly the documented batch object and key from the documented inputs', () => {
    const [genesis, event] = lines.map((l) => JSON.parse(l));
    const draft = draftFromEvent(event.data.raw, event.data.via);
    expect(draft.ok).toBe(true);
    const batch = buildBatch(emptyHead('ec2'), [genesisDraft('ec2', genesis.data.origin), draft.draft], new Date(genesis.chain.time));
    expect(batch.body.toString('utf8')).toBe(body);
    expect(batch.key).toBe(example('batch-key').trim());
  });

  it('the documented checkpoint verifies under the documented key and commits to the documented records', () => {
    const note = Buffer.from(example('checkpoint'), 'utf8');
    const signed = parseSignedCheckpoint(note);
    verifyCheckpoint(signed, [trustedKeyFromPem('immutrail.example/111122223333/Immutrail', example('public-key'))]);
    const [h0, h1] = example('record-hashes')
      .trim()
      .split('\n')
      .map((h) => Buffer.from(h, 'hex'));
    const shard = signed.checkpoint.shards[0];
    expect(shard.root).toBe(nodeHash(h0, h1).toString('hex'));
    expect(shard.root).toBe(rootOf([h0, h1]).toString('hex'));
    expect(shard.head).toBe(h1.toString('hex'));
    expect(signed.checkpoint.root).toBe(leafHash(Buffer.from(`ec2 2 ${shard.root}`)).toString('hex'));
    expect(signed.checkpoint.root).toBe(topRoot(signed.checkpoint.shards));
  });
});
