import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseSignedCheckpoint, trustedKeyFromPem } from '../../lib/core/checkpoint';
import { rootOf } from '../../lib/core/merkle';
import { parseConsistencyFile, serializeConsistencyFile } from '../../lib/verify/consistency-file';
import { verifyConsistencyFile } from '../../lib/verify/consistency-verify';

/** docs/FORMAT.md section 8: its consistency proof example is what the code writes and verifies, byte for byte. */
const doc = readFileSync(join(__dirname, '../../docs/FORMAT.md'), 'utf8');
const example = (name: string): string => {
  const m = new RegExp(`<!-- example:${name} -->\\n\`\`\`\\n([\\s\\S]*?)\`\`\`\\n`).exec(doc);
  if (!m) throw new Error(`docs/FORMAT.md has no example "${name}"`);
  return m[1];
};

describe('docs/FORMAT.md consistency proof example', () => {
  const text = example('consistency-proof');
  const key = trustedKeyFromPem('immutrail.example/111122223333/Immutrail', example('consistency-public-key'));

  it('is in the file form the code writes', () => {
    expect(serializeConsistencyFile(parseConsistencyFile(text))).toBe(text);
  });

  it('verifies under the documented key, from the shard root of section 7', () => {
    const file = parseConsistencyFile(text);
    const report = verifyConsistencyFile(file, [key]);
    expect(report.ok).toBe(true);
    expect(report.shards).toMatchObject([{ shard: 'ec2', ok: true, oldSize: 2, newSize: 5 }]);
    const hashes = example('record-hashes')
      .trim()
      .split('\n')
      .map((h) => Buffer.from(h, 'hex'));
    expect(parseSignedCheckpoint(Buffer.from(file.old)).checkpoint.shards[0]!.root).toBe(rootOf(hashes).toString('hex'));
  });

  it('fails once any documented proof hash is changed', () => {
    const file = parseConsistencyFile(text);
    for (let i = 0; i < file.shards[0]!.proof.length; i++) {
      const proof = file.shards[0]!.proof.map((h, j) => (j === i ? h.replace(/.$/, (c) => (c === '0' ? '1' : '0')) : h));
      expect(verifyConsistencyFile({ ...file, shards: [{ ...file.shards[0]!, proof }] }, [key]).ok).toBe(false);
    }
  });
});
