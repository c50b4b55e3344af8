import { createHash } from 'node:crypto';
import { canonicalize, CanonicalizationError } from '../core/canonical';
import { hourOf, isReservedId } from '../core/id-claims';
import { MAX_JSON_DEPTH, scanJsonText, stringifyDeep, textShapeProblem, valueShape } from '../core/json-shape';
import type { JsonValue } from '../core/json';
import type { EventData } from '../core/normalized';
import { eventIdOf, eventTimeOf, normalizeEvent, NormalizeError } from '../core/normalize';
import { parseJson } from '../core/parse-json';
import type { ExtraClaim, RecordDraft } from '../core/record';

/** Events larger than this are archived raw as quarantined rather than normalized. */
export const MAX_EVENT_BYTES = 256 * 1024;

export type Via = EventData['via'];

export type DraftResult = { ok: true; draft: RecordDraft & { kind: 'event' } } | { ok: false; draft: RecordDraft & { kind: 'quarantine' }; reason: string };

export function quarantineDraft(body: string | Buffer, reason: string, via: Via): RecordDraft & { kind: 'quarantine' } {
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  const digest = createHash('sha256').update(bytes).digest('hex');
  // The reason may quote the input (a member name holding a lone surrogate): it must itself be RFC 8785 input.
  return { kind: 'quarantine', id: `quarantine:${digest}`, data: { reason: reason.toWellFormed(), rawBase64: bytes.toString('base64'), via } };
}

// A number token starts after ':', ',' or '[' (and optional whitespace). Looking
// only there keeps hex ids inside strings ("3e634e1f", a 16-digit access key id)
// from sending nearly half of all events down the careful path.
const NUMBER_START = String.raw`[:,[]\s*-?`;
// What the fast path must not take: a lone surrogate escape, an integer part of
// 16 digits or more (possibly beyond 2^53, or with a fraction, beyond any double)
// or an exponent of three digits (1e400 parses as Infinity). Such text is parsed
// keeping big integers exact and checked for RFC 8785 before it is trusted.
// Most events match nothing, so most messages are scanned once before JSON.parse.
const NEEDS_CARE = new RegExp(String.raw`\\u[dD][89a-fA-F]|${NUMBER_START}(?:\d{16}|\d+(?:\.\d+)?[eE][+-]?\d{3})`);

/**
 * Turns one delivered message into the draft of its record: an event when it
 * parses, validates and canonicalizes; otherwise a quarantine draft that keeps
 * the exact bytes with the reason. Never throws: nothing delivered is dropped.
 */
export function draftFromMessage(body: string, via: Via): DraftResult {
  const fail = (reason: string, claims: ExtraClaim[] = []): DraftResult => {
    const draft = quarantineDraft(body, reason, via);
    return { ok: false, draft: claims.length > 0 ? { ...draft, alsoClaims: claims } : draft, reason };
  };
  // Depth first, before parsing: nothing downstream (detectors, serializers, a second verifier) sees a hostile nesting.
  const shape = scanJsonText(body);
  // A UTF-16 unit is at most 3 UTF-8 bytes: count bytes only when the length alone cannot decide.
  if (body.length * 3 > MAX_EVENT_BYTES && Buffer.byteLength(body, 'utf8') > MAX_EVENT_BYTES) {
    // Too large to archive as an event, but it still claims the event id it carries, as the trail lane
    // would otherwise archive the same call again from its log file (issue 19, defect 6).
    return fail(`event larger than ${MAX_EVENT_BYTES} bytes`, shape.depth > MAX_JSON_DEPTH ? [] : claimOfText(body, shape));
  }
  if (shape.depth > MAX_JSON_DEPTH) return fail(`nested deeper than ${MAX_JSON_DEPTH} levels`);
  // A lone surrogate can only come as an escape in JSON text, but a body that already holds one is checked too.
  const careful = NEEDS_CARE.test(body) || !body.isWellFormed();
  let raw: JsonValue;
  try {
    raw = careful ? parseJson(body) : (JSON.parse(body) as JsonValue);
  } catch (err) {
    return fail(`not JSON: ${(err as Error).message}`);
  }
  // JSON.parse keeps the last of repeated names: the earlier value would be lost without a trace.
  const problem = textShapeProblem(body, raw, shape);
  if (problem) return fail(problem);
  return draftFromEvent(raw, via, body, careful);
}

/**
 * The event id a quarantined delivery still carries, claimed beside its own id
 * (issue 19, defect 6), so the same call found in a trail log file is known as
 * delivered: never archived twice, never reported as missed. Only ids that
 * could be an event's own: well-formed, outside the minted namespaces.
 */
function carriedClaim(raw: JsonValue): ExtraClaim[] {
  const id = eventIdOf(raw);
  if (id === null || !id.isWellFormed() || isReservedId(id)) return [];
  return [{ id, hour: hourOf(eventTimeOf(raw)) }];
}

/** The event id an oversized message carries, when it parses without repeated names. */
function claimOfText(body: string, shape: ReturnType<typeof scanJsonText>): ExtraClaim[] {
  let raw: JsonValue;
  try {
    raw = parseJson(body);
  } catch {
    return [];
  }
  return textShapeProblem(body, raw, shape) ? [] : carriedClaim(raw);
}

/** As draftFromMessage, for an event already parsed (trail log files carry many per file). */
export function draftFromEvent(raw: JsonValue, via: Via, original?: string, checkCanonical = true): DraftResult {
  const fail = (reason: string, claims: ExtraClaim[] = []): DraftResult => {
    // A value too deep for JSON.stringify is still kept whole.
    const draft = quarantineDraft(original ?? stringifyDeep(raw), reason, via);
    return { ok: false, draft: claims.length > 0 ? { ...draft, alsoClaims: claims } : draft, reason };
  };
  if (checkCanonical) {
    try {
      canonicalize(raw);
    } catch (err) {
      if (err instanceof CanonicalizationError) return fail(`not canonicalizable: ${err.message}`, carriedClaim(raw));
      throw err;
    }
  }
  // Parsed elsewhere (a trail log file): the depth is checked on the value.
  if (original === undefined && valueShape(raw, MAX_JSON_DEPTH).depth > MAX_JSON_DEPTH) return fail(`nested deeper than ${MAX_JSON_DEPTH} levels`);
  try {
    const event = normalizeEvent(raw);
    const id = eventIdOf(raw) ?? event.eventId;
    // Ids from outside never take the shape of ids immutrail mints (genesis:<shard>, alert:..., ...).
    if (isReservedId(id)) return fail(`event id "${id.slice(0, 80)}" starts with a prefix reserved for ids immutrail mints`);
    return { ok: true, draft: { kind: 'event', id, data: { event, raw, via } } };
  } catch (err) {
    if (err instanceof NormalizeError) return fail(`invalid event: ${err.message}`, carriedClaim(raw));
    // A normalizer bug must not turn one event into a poison message: keep it, raw, with the reason.
    return fail(`normalizer failed: ${(err as Error).message}`, carriedClaim(raw));
  }
}
