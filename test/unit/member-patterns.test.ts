import { describe, expect, it } from 'vitest';
import { AuditTrailConfigError } from '../../lib/contract/errors';
import { FAMILY_EVENTS } from '../../lib/contract/event-patterns';
import { forwardedEventSources } from '../../lib/construct/forwarded-sources';
import { EVENT_PATTERN_MAX_CHARS, memberForwardPatterns, patternLength, splitApiSources } from '../../lib/construct/member-patterns';

const WRITES_ONLY = { $or: [{ readOnly: [false] }, { readOnly: [{ exists: false }] }] };
const manySources = (n: number): string[] => Array.from({ length: n }, (_, i) => `some-long-service-name-${String(i).padStart(3, '0')}.amazonaws.com`);

describe('memberForwardPatterns', () => {
  const patterns = memberForwardPatterns(forwardedEventSources());

  it('forwards each state-change family as the audit stack captures it, and API calls of the forwarded services, writes only', () => {
    for (const family of ['ec2', 'ecs', 'autoscaling', 'ecr', 'drift'] as const) {
      const p = patterns.find((x) => x.name === family)!.pattern;
      expect(p).toEqual({ source: FAMILY_EVENTS[family].sources, 'detail-type': FAMILY_EVENTS[family].detailTypes });
    }
    const api = patterns.filter((x) => x.name.startsWith('api-'));
    expect(api.flatMap((x) => x.pattern.detail!.eventSource as string[])).toEqual(forwardedEventSources());
    for (const { pattern } of api) {
      expect(pattern['detail-type']).toEqual(FAMILY_EVENTS.api.detailTypes);
      expect(pattern.detail!.$or).toEqual(WRITES_ONLY.$or);
    }
  });

  it(`keeps every pattern within EventBridge's ${EVENT_PATTERN_MAX_CHARS} characters (today: one API rule)`, () => {
    for (const { name, pattern } of patterns) expect(patternLength(pattern), name).toBeLessThanOrEqual(EVENT_PATTERN_MAX_CHARS);
    expect(patterns.filter((x) => x.name.startsWith('api-'))).toHaveLength(1);
  });
});

describe('splitApiSources', () => {
  it('splits a long list into the fewest slices that fit, in order, each as full as the next source allows', () => {
    const sources = manySources(150);
    const slices = splitApiSources(sources);
    expect(slices.length).toBeGreaterThan(2);
    expect(slices.flat()).toEqual(sources);
    const patterns = memberForwardPatterns(sources).filter((x) => x.name.startsWith('api-'));
    expect(patterns.map((x) => x.name)).toEqual(slices.map((_, i) => `api-${i + 1}`));
    for (const { pattern } of patterns) expect(patternLength(pattern)).toBeLessThanOrEqual(EVENT_PATTERN_MAX_CHARS);
    // greedy: adding the next slice's first source to a slice would exceed the limit
    for (let i = 0; i + 1 < slices.length; i++) {
      expect(splitApiSources([...slices[i], slices[i + 1][0]])).toHaveLength(2);
    }
  });

  it('honours a smaller limit and refuses a source that cannot fit alone', () => {
    expect(splitApiSources(['a.amazonaws.com', 'b.amazonaws.com'], 1000)).toEqual([['a.amazonaws.com', 'b.amazonaws.com']]);
    expect(() => splitApiSources([`${'x'.repeat(2100)}.amazonaws.com`])).toThrow(AuditTrailConfigError);
    expect(() => memberForwardPatterns([])).toThrow(AuditTrailConfigError);
  });
});
