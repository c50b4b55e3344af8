import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../../lib/cli/program';
import { cli } from '../../support/cli';

const ALL = ['demo', 'verify', 'prove', 'verify-proof', 'consistency', 'public-key', 'seal', 'query', 'report', 'evidence', 'attest', 'backfill', 'org-policy'];

describe('the CLI program', () => {
  it('registers only the command it runs, and every command when none is named', async () => {
    expect((await buildProgram('verify-proof')).commands.map((c) => c.name())).toEqual(['verify-proof']);
    expect((await buildProgram()).commands.map((c) => c.name())).toEqual(ALL);
    expect((await buildProgram('--help')).commands.map((c) => c.name())).toEqual(ALL);
    expect((await buildProgram('constructor')).commands.map((c) => c.name())).toEqual(ALL);
  });

  it('lists every command in --help, and helps with one command', async () => {
    const all = await cli('--help');
    expect(all.code).toBe(0);
    for (const name of ALL) expect(all.stdout).toMatch(new RegExp(`^\\s+${name}\\b`, 'm'));
    const one = await cli('verify', '--help');
    expect(one.code).toBe(0);
    expect(one.stdout).toMatch(/--dir <path>/);
  });

  it('refuses an unknown command in one line with exit 2', async () => {
    const r = await cli('verfy', '--dir', '.');
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/unknown command 'verfy' \(Did you mean verify\?\)/);

    const option = await cli('verify', '--dri', 'x');
    expect(option.code).toBe(2);
    expect(option.stderr).toBe("error: unknown option '--dri' (Did you mean --dir?)\n");
  });
});
