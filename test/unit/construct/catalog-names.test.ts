import { describe, expect, it } from 'vitest';
import { catalogNames, defaultCatalogName } from '../../../lib/construct/catalog-names';

const GLUE = /^[a-z0-9_]{1,255}$/;
const WORKGROUP = /^[A-Za-z0-9._-]{1,128}$/;

describe('query catalog names', () => {
  it('spell one name as Glue and Athena accept it', () => {
    expect(catalogNames(defaultCatalogName('Prod-Audit'))).toEqual({ databaseName: 'immutrail_prod_audit', workGroupName: 'immutrail-Prod-Audit' });
    expect(catalogNames('team a/audit.v2')).toEqual({ databaseName: 'team_a_audit_v2', workGroupName: 'team-a-audit.v2' });
  });

  it('fit the longest stack name, and two long names with one prefix stay distinct', () => {
    const a = catalogNames(defaultCatalogName(`S${'x'.repeat(126)}a`));
    const b = catalogNames(defaultCatalogName(`S${'x'.repeat(126)}b`));
    expect(a.workGroupName).toMatch(WORKGROUP);
    expect(a.workGroupName).toHaveLength(128);
    expect(a.workGroupName).not.toBe(b.workGroupName);
    expect(a.databaseName).toMatch(GLUE);
    expect(a.databaseName).not.toBe(b.databaseName);
    const long = catalogNames('y'.repeat(300));
    expect(long.databaseName).toMatch(GLUE);
    expect(long.databaseName).toHaveLength(255);
  });
});
