/**
 * Glob patterns for configuration (deployer ARNs, resource types): `*` matches
 * any run of characters, `?` exactly one, everything else literally. Matching
 * is case-sensitive, like IAM's ArnLike condition.
 */
export type GlobMatcher = (value: string) => boolean;

export function compileGlob(pattern: string): GlobMatcher {
  if (!/[*?]/.test(pattern)) return (value) => value === pattern;
  let source = '';
  for (const ch of pattern) {
    if (ch === '*') source += '[\\s\\S]*';
    else if (ch === '?') source += '[\\s\\S]';
    else source += ch.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  const re = new RegExp(`^${source}$`, 'u');
  return (value) => re.test(value);
}

export function anyGlob(patterns: readonly string[]): GlobMatcher {
  const matchers = patterns.map(compileGlob);
  return (value) => matchers.some((m) => m(value));
}
