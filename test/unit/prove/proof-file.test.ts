import { describe, expect, it } from 'vitest';
import { PROOF_FORMAT, ProofFileError, parseProofFile, serializeProofFile, type InclusionProofFile } from '../../../lib/prove/proof-file';

const valid: InclusionProofFile = {
  format: PROOF_FORMAT,
  record: '{"chain":{"id":"e1","kind":"event","prev":"00","seq":3,"shard":"api","time":"2026-11-20T10:00:00.000Z","v":1},"data":{}}',
  shard: 'api',
  seq: 3,
  treeSize: 10,
  proof: ['ab'.repeat(32), 'cd'.repeat(32)],
  checkpoint: 'origin\n10\nAAAA\n\n\u2014 origin AAAA\n',
};

function errorOf(text: string): ProofFileError {
  try {
    parseProofFile(text);
  } catch (err) {
    if (err instanceof ProofFileError) return err;
    throw err;
  }
  throw new Error('parsed');
}

const withField = (k: string, v: unknown) => JSON.stringify({ ...valid, [k]: v });
const without = (k: keyof InclusionProofFile) => {
  const o: Record<string, unknown> = { ...valid };
  delete o[k];
  return JSON.stringify(o);
};

describe('proof file format', () => {
  it('round-trips, with the fields in a fixed order', () => {
    const text = serializeProofFile(valid);
    expect(Object.keys(JSON.parse(text))).toEqual(['format', 'record', 'shard', 'seq', 'treeSize', 'proof', 'checkpoint']);
    expect(parseProofFile(text)).toEqual(valid);
    expect(parseProofFile(Buffer.from(text))).toEqual(valid);
    expect(text.endsWith('}\n')).toBe(true);
  });

  it('rejects what is not JSON, or not a proof, or another version of the format', () => {
    expect(errorOf('{"format": ').code).toBe('NOT_JSON');
    expect(errorOf('[1,2]').code).toBe('NOT_A_PROOF');
    expect(errorOf('null').code).toBe('NOT_A_PROOF');
    expect(errorOf(JSON.stringify({ hello: 'world' })).code).toBe('NOT_A_PROOF');
    expect(errorOf(withField('format', 'sigstore.bundle/v1')).code).toBe('NOT_A_PROOF');
    const v2 = errorOf(withField('format', 'immutrail.inclusion-proof/v2'));
    expect(v2.code).toBe('UNSUPPORTED_FORMAT');
    expect(v2.message).toContain('immutrail.inclusion-proof/v2');
  });

  it.each([
    ['record', 42],
    ['record', ''],
    ['record', 'two\nlines'],
    ['shard', 'API!'],
    ['seq', -1],
    ['seq', 1.5],
    ['seq', '3'],
    ['treeSize', 0],
    ['treeSize', 2 ** 53],
    ['proof', 'ab'],
    ['proof', ['AB'.repeat(32)]],
    ['proof', ['ab'.repeat(31)]],
    ['proof', Array.from({ length: 54 }, () => 'ab'.repeat(32))],
    ['checkpoint', ''],
    ['checkpoint', null],
  ])('names the field when %s is %j', (field, value) => {
    const err = errorOf(withField(field, value));
    expect(err.code).toBe('MALFORMED');
    expect(err.field).toBe(field);
    expect(err.message).toContain(`"${field}"`);
  });

  it('names a missing field and an unknown one', () => {
    for (const k of ['record', 'shard', 'seq', 'treeSize', 'proof', 'checkpoint'] as const) {
      expect(errorOf(without(k))).toMatchObject({ code: 'MALFORMED', field: k });
    }
    expect(errorOf(withField('leafHash', 'ab'.repeat(32)))).toMatchObject({ code: 'MALFORMED', field: 'leafHash' });
  });

  it('leaves relations between fields to verification (a tampered file parses, then fails to verify)', () => {
    expect(parseProofFile(withField('seq', 99)).seq).toBe(99);
    expect(parseProofFile(withField('proof', [])).proof).toEqual([]);
  });
});

describe('default proof file name', () => {
  it('keeps the id readable and safe as a file name', async () => {
    const { defaultProofFile } = await import('../../../lib/cli/commands/prove');
    expect(defaultProofFile('3f1c-77aa')).toBe('proof-3f1c-77aa.json');
    expect(defaultProofFile('alert:drift/sg-1')).toBe('proof-alert_drift_sg-1.json');
    expect(defaultProofFile('../../etc/passwd')).toBe('proof-.._.._etc_passwd.json');
  });
});
