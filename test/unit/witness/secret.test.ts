import { describe, expect, it } from 'vitest';
import { secretFromExtension } from '../../../lib/witness/secret';

describe('secretFromExtension', () => {
  it('asks the Parameters and Secrets extension on localhost with the session token, and returns SecretString', async () => {
    const calls: { url: string; token: string | null }[] = [];
    const fake = (async (url: string, init?: RequestInit) => {
      calls.push({ url, token: new Headers(init?.headers).get('X-Aws-Parameters-Secrets-Token') });
      return new Response(JSON.stringify({ SecretString: 'abc' }), { status: 200 });
    }) as typeof fetch;
    const arn = 'arn:aws:secretsmanager:eu-west-1:222222222222:secret:w-1';
    expect(await secretFromExtension(arn, { AWS_SESSION_TOKEN: 'tok' }, fake)).toBe('abc');
    expect(calls).toEqual([{ url: `http://localhost:2773/secretsmanager/get?secretId=${encodeURIComponent(arn)}`, token: 'tok' }]);
  });

  it('fails with WITNESS_SECRET on an HTTP error, a missing SecretString, or no extension', async () => {
    const answer = (status: number, body: object) => (async () => new Response(JSON.stringify(body), { status })) as unknown as typeof fetch;
    await expect(secretFromExtension('s', {}, answer(403, {}))).rejects.toMatchObject({ code: 'WITNESS_SECRET', message: /HTTP 403/ });
    await expect(secretFromExtension('s', {}, answer(200, { SecretBinary: 'x' }))).rejects.toMatchObject({ code: 'WITNESS_SECRET' });
    const down = (async () => Promise.reject(new TypeError('fetch failed'))) as unknown as typeof fetch;
    await expect(secretFromExtension('s', {}, down)).rejects.toMatchObject({ code: 'WITNESS_SECRET', message: /layer/ });
  });
});
