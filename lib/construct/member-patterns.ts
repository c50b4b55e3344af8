/**
 * The EventBridge patterns of a member account's forwarding rules: the live
 * lane's state-change families as the audit stack captures them, and the
 * write calls of the forwarded services only (never read-only calls). The
 * patterns come from routePattern, the function that builds the audit stack's
 * own capture rules, so a member forwards nothing the audit stack would not
 * capture, in the form the audit stack matches.
 *
 * EventBridge refuses a pattern longer than 2,048 characters, so the API
 * sources are split over as many rules as it takes.
 *
 * CDK-free: tests check the lengths without synthesizing.
 */
import { AuditTrailConfigError } from '../contract/errors';
import { type RulePattern, routePattern } from '../contract/event-patterns';
import { EVENT_FAMILIES, type EventFamily } from '../contract/shards';

/** EventBridge's limit on an event pattern's length, in characters of its JSON. */
export const EVENT_PATTERN_MAX_CHARS = 2048;

export interface ForwardPattern {
  /** Short, stable name: the family, or "api-<n>" for the n-th slice of API sources. */
  readonly name: string;
  readonly pattern: RulePattern;
}

const WRITES_ONLY = { captureReadOnlyApiCalls: false } as const;

/** Characters of a pattern as EventBridge counts them (its JSON text). */
export const patternLength = (p: RulePattern): number => JSON.stringify(p).length;

function apiPattern(sources: readonly string[]): RulePattern {
  return routePattern({ shard: 'api', family: 'api' }, { ...WRITES_ONLY, apiCallSources: sources });
}

/**
 * Splits `sources` into the fewest consecutive slices whose API pattern fits
 * in `maxChars` (greedy: each slice takes sources until the next would not fit).
 */
export function splitApiSources(sources: readonly string[], maxChars = EVENT_PATTERN_MAX_CHARS): string[][] {
  const slices: string[][] = [];
  let current: string[] = [];
  for (const source of sources) {
    if (patternLength(apiPattern([...current, source])) <= maxChars) {
      current.push(source);
      continue;
    }
    if (current.length === 0 || patternLength(apiPattern([source])) > maxChars) {
      throw new AuditTrailConfigError('INVALID_EVENT_SOURCE', `eventSource "${source}" alone makes a pattern over ${maxChars} characters`);
    }
    slices.push(current);
    current = [source];
  }
  if (current.length > 0) slices.push(current);
  return slices;
}

const STATE_FAMILIES: readonly EventFamily[] = EVENT_FAMILIES.filter((f) => f !== 'api');

/** Every rule a member account needs: one per state-change family, then the API slices. */
export function memberForwardPatterns(apiSources: readonly string[], maxChars = EVENT_PATTERN_MAX_CHARS): ForwardPattern[] {
  if (apiSources.length === 0) throw new AuditTrailConfigError('INVALID_EVENT_SOURCE', 'a member forwards the write calls of at least one service');
  const state = STATE_FAMILIES.map((family) => ({ name: family, pattern: routePattern({ shard: family, family }, WRITES_ONLY) }));
  const api = splitApiSources(apiSources, maxChars).map((slice, i) => ({ name: `api-${i + 1}`, pattern: apiPattern(slice) }));
  return [...state, ...api];
}
