import type { JsonObject, JsonValue } from '../json';
import { at, isObject, stringAt } from '../json-access';
import type { NormalizedEvent } from '../normalized';

/**
 * Reading the raw CloudTrail record behind an event. Detectors look at
 * requestParameters/responseElements, which the normalized event summarises
 * but does not keep, so they read them here from the untouched raw event.
 */

/**
 * The CloudTrail record inside a delivered event: the event itself when it came
 * from a trail's log file, or `detail` when EventBridge wrapped it
 * ("AWS API Call via CloudTrail", "AWS Console Sign In via CloudTrail", ...).
 * Null for events that are not CloudTrail records (EC2/ECS state changes...).
 */
export function cloudTrailRecordOf(raw: JsonValue): JsonObject | null {
  if (!isObject(raw)) return null;
  if (typeof raw['detail-type'] === 'string' && isObject(raw.detail)) {
    return looksLikeCloudTrail(raw.detail) ? raw.detail : null;
  }
  return looksLikeCloudTrail(raw) ? raw : null;
}

function looksLikeCloudTrail(o: JsonObject): boolean {
  return typeof o.eventSource === 'string' && typeof o.eventName === 'string';
}

/** The EventBridge `detail` of a non-CloudTrail event (state changes), else null. */
export function eventBridgeDetailOf(raw: JsonValue): { detailType: string; source: string; detail: JsonObject } | null {
  if (!isObject(raw) || typeof raw['detail-type'] !== 'string' || !isObject(raw.detail)) return null;
  return { detailType: raw['detail-type'], source: typeof raw.source === 'string' ? raw.source : '', detail: raw.detail };
}

/** `{items: [...]}` lists in EC2 request/response elements, or a plain array. */
export function itemsOf(v: JsonValue | undefined): JsonValue[] {
  if (Array.isArray(v)) return v;
  const items = at(v, 'items');
  return Array.isArray(items) ? items : [];
}

/**
 * eventName without the API version suffix some services add
 * (Lambda: "UpdateFunctionCode20150331v2" -> "UpdateFunctionCode").
 */
export function baseActionName(action: string): string {
  return action.trim().replace(/\d{8}(v\d+)?$/, '');
}

/**
 * Short service name ("ec2", "ec2-instance-connect"). Taken from the raw
 * eventSource when there is one, so detection does not depend on how the
 * normalizer spells services, else from the normalized event.
 */
export function serviceOf(event: NormalizedEvent, ct: JsonObject | null): string {
  const source = ct && typeof ct.eventSource === 'string' ? ct.eventSource : null;
  if (source) return source.trim().replace(/\.amazonaws\.com$/, '');
  return event.service;
}

/** "service:Action" with the version suffix removed, the key detector tables use. */
export function apiCallKey(event: NormalizedEvent, ct: JsonObject | null): string {
  const action = ct && typeof ct.eventName === 'string' ? ct.eventName : event.action;
  return `${serviceOf(event, ct)}:${baseActionName(action)}`;
}

/** The error code of a failed call, from the normalized event or the raw record. */
export function errorCodeOf(event: NormalizedEvent, ct: JsonObject | null): string | null {
  return event.errorCode ?? (ct ? stringAt(ct, 'errorCode') : null);
}
