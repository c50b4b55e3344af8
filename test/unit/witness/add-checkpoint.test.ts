import { describe, expect, it } from 'vitest';
import { formatAddCheckpoint, parseAddCheckpoint } from '../../../lib/core/witness/add-checkpoint';

// The request body example of C2SP tlog-witness.
const EXAMPLE = `old 20852014
PlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkaw=
jrJZDmY8Y7SyJE0MWLpLozkIVMSMZcD5kvuKxPC3swk=
5+pKlUdi2LeF/BcMHBn+Ku6yhPGNCswZZD1X/6QgPd8=
/6WVhPs2CwSsb5rYBH5cjHV/wSmA79abXAwhXw3Kj/0=

example.com/behind-the-sofa
20852163
CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=

— example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=
`;

describe('add-checkpoint request bodies', () => {
  it("parses C2SP tlog-witness's example and formats it back byte for byte", () => {
    const req = parseAddCheckpoint(Buffer.from(EXAMPLE));
    if (typeof req === 'string') throw new Error(req);
    expect(req.oldSize).toBe(20852014);
    expect(req.proof).toHaveLength(4);
    expect(req.proof[0]!.toString('base64')).toBe('PlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkaw=');
    expect(req.note.toString()).toMatch(/^example\.com\/behind-the-sofa\n20852163\n/);
    expect(formatAddCheckpoint(req).toString()).toBe(EXAMPLE);
  });

  it('parses a first request (old 0, no proof)', () => {
    const req = parseAddCheckpoint(Buffer.from('old 0\n\nlog\n1\nAAAA\n\n— log AAAA\n'));
    expect(req).toMatchObject({ oldSize: 0, proof: [] });
  });

  it.each([
    ['old 01\n\nx\n', /old <size>/],
    ['old -1\n\nx\n', /old <size>/],
    ['new 1\n\nx\n', /old <size>/],
    ['old 1\nnot-a-hash\n\nx\n', /proof line 1/],
    ['old 1\n', /no empty line/],
    ['old 1\n\n', /missing/],
    [`old 1\n${'PlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkaw=\n'.repeat(64)}\nx\n`, /at most 63/],
  ])('refuses %j', (body, why) => {
    expect(parseAddCheckpoint(Buffer.from(body))).toMatch(why);
  });
});
