import { gunzipSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { LogFileError } from '../../../lib/cloudtrail/errors';
import { readLogFile } from '../../../lib/cloudtrail/log-file';
import { fixtureBody, manifest, recordTexts } from './fixtures';

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(LogFileError);
    return (err as LogFileError).code;
  }
  throw new Error('expected a LogFileError');
}

describe('readLogFile', () => {
  it('reads every fixture log file as CloudTrail delivers it, records in file order', () => {
    for (const f of manifest.files) {
      const file = readLogFile(fixtureBody(f.key));
      expect(file.compressed).toBe(true);
      expect(file.records.map((r) => (r as { eventID: string }).eventID)).toEqual(f.records.map((r) => r.eventID));
      expect(file.sha256).toBe(f.sha256);
    }
  });

  it('keeps non-ASCII text, nulls and large parameters exactly as written', () => {
    const texts = recordTexts();
    const f = manifest.files.find((x) => x.records.some((r) => r.source === 'immutrail-generated'))!;
    const file = readLogFile(fixtureBody(f.key));
    for (const r of file.records) {
      expect(r).toEqual(JSON.parse(texts.get((r as { eventID: string }).eventID)!));
    }
    const tags = JSON.stringify(file.records[0]);
    expect(tags).toContain('東京-本番');
    expect(tags).toContain('🚀 déploiement');
    expect(JSON.stringify(file.records[1]).length).toBeGreaterThan(50_000);
  });

  it('accepts plain (uncompressed) JSON and hashes the same content', () => {
    const f = manifest.files[0];
    const plain = gunzipSync(fixtureBody(f.key));
    const file = readLogFile(plain);
    expect(file.compressed).toBe(false);
    expect(file.sha256).toBe(f.sha256);
    expect(file.records).toEqual(readLogFile(fixtureBody(f.key)).records);
  });

  it('keeps integers beyond 2^53 exact, as decimal strings', () => {
    const file = readLogFile(Buffer.from('{"Records":[{"eventID":"a","n":12345678901234567890}]}'));
    expect((file.records[0] as { n: unknown }).n).toBe('12345678901234567890');
  });

  it('accepts a file with no records', () => {
    expect(readLogFile(gzipSync('{"Records":[]}')).records).toEqual([]);
  });

  it('names what is wrong with a corrupt file', () => {
    const good = fixtureBody(manifest.files[0].key);
    expect(codeOf(() => readLogFile(good.subarray(0, good.length - 20)))).toBe('LOG_FILE_CORRUPT');
    expect(codeOf(() => readLogFile(Buffer.concat([good.subarray(0, 10), Buffer.alloc(40, 0x55)])))).toBe('LOG_FILE_CORRUPT');
    expect(codeOf(() => readLogFile(gzipSync(Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]))))).toBe('LOG_FILE_CORRUPT');
    expect(codeOf(() => readLogFile(gzipSync('{"Records":[{"eventID":')))).toBe('LOG_FILE_NOT_JSON');
    expect(codeOf(() => readLogFile(Buffer.from('not json at all')))).toBe('LOG_FILE_NOT_JSON');
    expect(codeOf(() => readLogFile(gzipSync('{"records":[]}')))).toBe('LOG_FILE_SHAPE');
    expect(codeOf(() => readLogFile(gzipSync('{"Records":{}}')))).toBe('LOG_FILE_SHAPE');
    expect(codeOf(() => readLogFile(gzipSync('[{"eventID":"x"}]')))).toBe('LOG_FILE_SHAPE');
  });

  it('refuses a file that decompresses beyond the limit', () => {
    const bomb = gzipSync(Buffer.from(`{"Records":[${'{"a":1},'.repeat(10_000)}{}]}`));
    expect(codeOf(() => readLogFile(bomb, { maxBytes: 1024 }))).toBe('LOG_FILE_TOO_LARGE');
    expect(readLogFile(bomb).records).toHaveLength(10_001);
  });
});
