import type { JsonObject } from '../json';
import type { EventCategory } from '../normalized';
import { stringAt } from '../json-access';

// Unknown kinds are kept whole (the raw event travels with the record); this only
// decides what little can be said about them without knowing their schema.

const STATE_CHANGE = /state[ -]?change|status change/i;

export function genericCategory(detailType: string): EventCategory {
  return STATE_CHANGE.test(detailType) ? 'state-change' : 'other';
}

/** The new state of an unknown state-change kind, when its detail has an obvious one. */
export function genericState(detail: JsonObject | null): string | null {
  return stringAt(detail, 'state') ?? stringAt(detail, 'status') ?? stringAt(detail, 'lastStatus');
}
