import { shardForEvent, type EventEnvelope } from '../contract/event-patterns';
import { planShards, type ShardRoute } from '../contract/shards';
import type { JsonValue } from '../core/json';

/** Events that match no route of the plan (not sent by the stack's rules) land here. */
export const FALLBACK_SHARD = 'other';

/** The shard of one live-lane event (an EventBridge envelope), by content. */
export type LiveRouter = (envelope: JsonValue) => string;

/**
 * Routes a live event to the shard whose route matches it, as the trail lane
 * routes the same call found in a log file (lib/cloudtrail/capture.ts), so an event
 * that arrives by both lanes meets its own id set in one shard. The rule that
 * delivered the event already applied the capture filter: routing never drops.
 */
export function liveRouter(plan: readonly ShardRoute[] = planShards()): LiveRouter {
  return (envelope) => {
    if (typeof envelope !== 'object' || envelope === null || Array.isArray(envelope)) return FALLBACK_SHARD;
    return shardForEvent(envelope as EventEnvelope, plan, { captureReadOnlyApiCalls: true }) ?? FALLBACK_SHARD;
  };
}
