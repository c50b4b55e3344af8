import { createHash } from 'node:crypto';
import { canonicalize, CanonicalizationError } from '../core/canonical';
import type { JsonValue } from '../core/json';
import type { EventData } from '../core/normalized';
import { eventIdOf, normalizeEvent, NormalizeError } from '../core/normalize';
import { parseJson } from '../core/parse-json';
import type { RecordDraft } from '../core/record';

/** Events larger than this are archived raw as quarantined rather than normalized. */
export const MAX_EVENT_BYTES = 256 * 1024;

export type Via = EventData['via'];

export type DraftResult =
  | { ok: true; draft: RecordDraft & { kind: 'event' } }
  | { ok: false; draft: RecordDraft & { kind: 'quarantine' }; reason: string };

export function quarantineDraft(body: string | Buffer, reason: string, via: Via): RecordDraft & { kind: 'quarantine' } {
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  const digest = createHash('sha256').update(bytes).digest('hex');
  return { kind: 'quarantine', id: `quarantine:${digest}`, data: { reason, rawBase64: bytes.toString('base64'), via } };
}

// Only text that can hold a lone surrogate escape or an overflowing exponent
// needs the full canonicalization check before it is trusted as an event.
const SUSPICIOUS = /\\u[dD][89a-fA-F]|[eE][+-]?\d{3}/;
// Anything the fast path must not take: the above, or a run of 16 digits (a possible unsafe integer).
// Most events match nothing, so most messages are scanned once before JSON.parse.
const NEEDS_CARE = /\\u[dD][89a-fA-F]|[eE][+-]?\d{3}|\d{16}/;

/**
 * Turns one delivered message into the draft of its record: an event when it
 * parses, validates and canonicalizes; otherwise a quarantine draft that keeps
 * the exact bytes with the reason. Never throws: nothing delivered is dropped.
 */
export function draftFromMessage(body: string, via: Via): DraftResult {
  const fail = (reason: string): DraftResult => ({ ok: false, draft: quarantineDraft(body, reason, via), reason });
  // A UTF-16 unit is at most 3 UTF-8 bytes: count bytes only when the length alone cannot decide.
  if (body.length * 3 > MAX_EVENT_BYTES && Buffer.byteLength(body, 'utf8') > MAX_EVENT_BYTES) return fail(`event larger than ${MAX_EVENT_BYTES} bytes`);
  const careful = NEEDS_CARE.test(body);
  let raw: JsonValue;
  try {
    raw = careful ? parseJson(body) : (JSON.parse(body) as JsonValue);
  } catch (err) {
    return fail(`not JSON: ${(err as Error).message}`);
  }
  return draftFromEvent(raw, via, body, careful && SUSPICIOUS.test(body));
}

/** As draftFromMessage, for an event already parsed (trail log files carry many per file). */
export function draftFromEvent(raw: JsonValue, via: Via, original?: string, checkCanonical = true): DraftResult {
  const fail = (reason: string): DraftResult => ({
    ok: false,
    draft: quarantineDraft(original ?? JSON.stringify(raw), reason, via),
    reason,
  });
  if (checkCanonical) {
    try {
      canonicalize(raw);
    } catch (err) {
      if (err instanceof CanonicalizationError) return fail(`not canonicalizable: ${err.message}`);
      throw err;
    }
  }
  try {
    const event = normalizeEvent(raw);
    const id = eventIdOf(raw) ?? event.eventId;
    return { ok: true, draft: { kind: 'event', id, data: { event, raw, via } } };
  } catch (err) {
    if (err instanceof NormalizeError) return fail(`invalid event: ${err.message}`);
    // A normalizer bug must not turn one event into a poison message: keep it, raw, with the reason.
    return fail(`normalizer failed: ${(err as Error).message}`);
  }
}
