import type { JsonObject } from '../json';
import type { EventCategory, NormalizedEvent } from '../normalized';
import { actorFromCloudTrail } from './actor';
import { finishEcrImages, newCollected } from './context';
import { NormalizeError } from './errors';
import { accountAt, booleanAt, requireString } from './fields';
import { objectAt, stringAt } from '../json-access';
import { collectCloudTrailResources, collectFrom } from './resources';
import { serviceFromEventSource, serviceFromSource } from './service';
import { requireEventTime } from './time';

// Records that are not calls made by a principal.
const NOT_CALLS: ReadonlySet<string> = new Set(['AwsServiceEvent', 'AwsCloudTrailInsight', 'AwsVpceEvent']);

function categoryOf(record: JsonObject): EventCategory {
  const t = record.eventType;
  return typeof t === 'string' && NOT_CALLS.has(t) ? 'other' : 'api-call';
}

function serviceOf(record: JsonObject, envelope: JsonObject | null): string {
  const source = record.eventSource;
  if (typeof source === 'string' && source !== '') return serviceFromEventSource(source);
  if (envelope !== null && typeof envelope.source === 'string' && envelope.source !== '') return serviceFromSource(envelope.source);
  return serviceFromEventSource(requireString(record, 'eventSource'));
}

function actionOf(record: JsonObject, envelope: JsonObject | null): string {
  const name = record.eventName;
  // One AWS doc example has "SendSSHPublicKey " with a trailing space.
  if (typeof name === 'string' && name.trim() !== '') return name.trim();
  if (envelope !== null && name === undefined) return requireString(envelope, 'detail-type');
  return requireString(record, 'eventName');
}

/** Normalizes a CloudTrail record; `envelope` is the EventBridge event that carried it, if any. */
export function normalizeCloudTrail(record: JsonObject, envelope: JsonObject | null, eventId: string | null): NormalizedEvent {
  if (eventId === null) {
    // Report what is wrong with the field the id should have come from.
    requireString(envelope ?? record, envelope === null ? 'eventID' : 'id');
    throw new NormalizeError('MISSING_FIELD', 'event has no id', 'eventID');
  }
  const time = record.eventTime ?? envelope?.time;
  const eventTime = requireEventTime(time, record.eventTime !== undefined || envelope === null ? 'eventTime' : 'time');
  const service = serviceOf(record, envelope);
  const action = actionOf(record, envelope);
  const identity = objectAt(record, 'userIdentity');
  // The account the event happened in; the caller's own account (userIdentity) only when nothing else says.
  const account = accountAt(record, 'recipientAccountId') ?? accountAt(envelope, 'account') ?? accountAt(identity, 'accountId');
  const region = stringAt(record, 'awsRegion') ?? stringAt(envelope, 'region');

  const c = newCollected(service, account, region);
  const request = objectAt(record, 'requestParameters');
  if (service === 'ecs') {
    const cluster = stringAt(request, 'cluster');
    c.ecsCluster = cluster === null ? null : cluster.slice(cluster.lastIndexOf('/') + 1);
  } else if (service === 'ecr') {
    c.ecrRepository = stringAt(request, 'repositoryName');
    c.ecrRegistry = stringAt(request, 'registryId');
  }
  collectCloudTrailResources(record.resources, c);
  collectFrom(request, c);
  collectFrom(record.responseElements, c);
  collectFrom(record.serviceEventDetails, c);
  finishEcrImages(c);

  return {
    eventId,
    eventTime,
    account,
    region,
    service,
    action,
    category: categoryOf(record),
    readOnly: booleanAt(record, 'readOnly'),
    errorCode: stringAt(record, 'errorCode'),
    errorMessage: stringAt(record, 'errorMessage'),
    actor: actorFromCloudTrail(record),
    resources: c.resources.list(),
    state: null,
    tags: c.tags,
  };
}
