import { createHash } from 'node:crypto';

/** The Glue database and the Athena workgroup of one query catalog. */
export interface CatalogNames {
  readonly databaseName: string;
  readonly workGroupName: string;
}

// Glue database names: lowercase letters, digits and underscores, at most 255.
const GLUE_MAX = 255;
// Athena workgroup names: letters, digits, period, underscore and hyphen, at most 128.
const WORKGROUP_MAX = 128;

/**
 * Both names are account- and region-wide, so the default comes from the stack
 * name (unique there): two deployments in one account and region never share
 * a catalog.
 */
export const defaultCatalogName = (stackName: string): string => `immutrail-${stackName}`;

/** A name cut to `max` keeps a hash of the whole, so two long names that share a prefix stay distinct. */
function fit(name: string, max: number, whole: string): string {
  if (name.length <= max) return name;
  const tag = createHash('sha256').update(whole).digest('hex').slice(0, 8);
  return `${name.slice(0, max - tag.length - 1)}_${tag}`;
}

/** `base` in the two spellings Glue and Athena accept: "immutrail-Prod" is database immutrail_prod and workgroup immutrail-Prod. */
export function catalogNames(base: string): CatalogNames {
  return {
    databaseName: fit(base.toLowerCase().replace(/[^a-z0-9_]/g, '_'), GLUE_MAX, base),
    workGroupName: fit(base.replace(/[^A-Za-z0-9._-]/g, '-'), WORKGROUP_MAX, base),
  };
}
