import { NoSuchBucket } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { ImmutrailError } from '../../../lib/core/errors';
import { MerkleError } from '../../../lib/core/merkle/errors';
import { errorExit, isUnreachable } from '../../../lib/cli/error-exit';
import { EXIT, UsageError } from '../../../lib/cli/errors';

function run(err: unknown, debug = false): { code: number; text: string } {
  let text = '';
  const code = errorExit(err, debug, (t) => (text += t));
  return { code, text };
}

describe('the CLI error mapper', () => {
  it('maps a bug to exit 3 with one line and no stack', () => {
    const r = run(new TypeError("Cannot read properties of undefined (reading 'shard')"));
    expect(r.code).toBe(EXIT.INTERNAL);
    expect(r.code).toBe(3);
    expect(r.text).toBe("immutrail: internal error (TypeError): Cannot read properties of undefined (reading 'shard')\n");
  });

  it('prints the stack and the cause with --debug', () => {
    const err = new TypeError('x is not a function', { cause: new RangeError('deeper') });
    const r = run(err, true);
    expect(r.code).toBe(3);
    const [first, ...rest] = r.text.trimEnd().split('\n');
    expect(first).toBe('immutrail: internal error (TypeError): x is not a function');
    expect(rest.join('\n')).toContain(err.stack!.split('\n')[1].trim());
    expect(rest.join('\n')).toMatch(/\[cause\]: RangeError: deeper/);
  });

  it('names an ImmutrailError by its stable code, and keeps a many-line message on one line', () => {
    const r = run(new MerkleError('INDEX_OUT_OF_RANGE', 'index 9 is not below\nsize 4'));
    expect(r).toEqual({ code: 3, text: 'immutrail: internal error (INDEX_OUT_OF_RANGE): index 9 is not below size 4\n' });
    expect(run('thrown string')).toEqual({ code: 3, text: 'immutrail: internal error (string): thrown string\n' });
  });

  it('keeps bad usage and an unreachable archive at exit 2, as one line', () => {
    expect(run(new UsageError('give --bucket, --stack or --dir'))).toEqual({ code: 2, text: 'immutrail: give --bucket, --stack or --dir\n' });
    const noSuchBucket = Object.assign(new Error('The specified bucket does not exist'), { name: 'NoSuchBucket', $metadata: { httpStatusCode: 404 } });
    expect(run(noSuchBucket)).toEqual({ code: 2, text: 'immutrail: The specified bucket does not exist\n' });
    const noCredentials = Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' });
    expect(run(noCredentials).code).toBe(2);
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5000'), { code: 'ECONNREFUSED' });
    expect(run(new Error('fetch failed', { cause: refused })).code).toBe(2);
    // the SDK's own exception class, as a command that does not wrap it would let it through
    expect(run(new NoSuchBucket({ $metadata: { httpStatusCode: 404 }, message: 'The specified bucket does not exist' }))).toEqual({
      code: 2,
      text: 'immutrail: The specified bucket does not exist\n',
    });
  });

  it('does not take an error for the environment by its message', () => {
    expect(isUnreachable(new Error('ECONNREFUSED NoSuchBucket'))).toBe(false);
    expect(isUnreachable(new TypeError('boom', { cause: new TypeError('boom') }))).toBe(false);
  });

  it('gives every error class the ImmutrailError base, with its code and cause', () => {
    const cause = new Error('under');
    class Probe extends ImmutrailError {
      readonly code = 'PROBE';
    }
    const e = new Probe('over', { cause });
    expect(e).toBeInstanceOf(Error);
    expect([e.code, e.message, e.cause]).toEqual(['PROBE', 'over', cause]);
    expect(new UsageError('u')).toBeInstanceOf(ImmutrailError);
    expect(new MerkleError('INVALID_HASH', 'm')).toBeInstanceOf(ImmutrailError);
  });
});
