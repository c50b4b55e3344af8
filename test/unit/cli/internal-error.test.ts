import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { cli } from '../../support/cli';

// A programming error inside a command: parsing the proof file throws a TypeError (not a ProofFileError).
vi.mock('../../../lib/prove/proof-file', async (original) => ({
  ...(await original<typeof import('../../../lib/prove/proof-file')>()),
  parseProofFile: () => {
    throw new TypeError("Cannot read properties of undefined (reading 'treeSize')");
  },
}));

function files(): { pem: string; proof: string } {
  const dir = mkdtempSync(join(tmpdir(), 'immutrail-internal-'));
  const pem = join(dir, 'key.pem');
  writeFileSync(pem, generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'pem' }));
  const proof = join(dir, 'proof.json');
  writeFileSync(proof, '{}');
  return { pem, proof };
}

describe('a bug in a command', () => {
  it('exits 3 with one line naming the error, not 2 ("unreachable")', async () => {
    const { pem, proof } = files();
    const r = await cli('verify-proof', proof, '--public-key', pem);
    expect(r.code).toBe(3);
    expect(r.stderr).toBe("immutrail: internal error (TypeError): Cannot read properties of undefined (reading 'treeSize')\n");
    expect(r.stdout).toBe('');
  });

  it('prints the stack with the global --debug, before or after the command', async () => {
    const { pem, proof } = files();
    for (const argv of [
      ['--debug', 'verify-proof', proof, '--public-key', pem],
      ['verify-proof', proof, '--public-key', pem, '--debug'],
    ]) {
      const r = await cli(...argv);
      expect(r.code).toBe(3);
      const lines = r.stderr.trimEnd().split('\n');
      expect(lines[0]).toBe("immutrail: internal error (TypeError): Cannot read properties of undefined (reading 'treeSize')");
      expect(lines[1]).toMatch(/^TypeError: Cannot read properties/);
      expect(lines.slice(2).some((l) => /^\s+at .*internal-error\.test\.ts/.test(l))).toBe(true);
    }
  });
});
