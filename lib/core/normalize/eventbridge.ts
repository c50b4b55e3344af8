import type { JsonObject } from '../json';
import type { NormalizedEvent } from '../normalized';
import { noActor } from './actor';
import { newCollected } from './context';
import { NormalizeError } from './errors';
import { accountAt, requireString } from './fields';
import { isObject, stringAt } from '../json-access';
import { genericCategory, genericState } from './generic';
import { collectEnvelopeResources } from './resources';
import { serviceFromSource } from './service';
import { stateChangeReader } from './state-change';
import { isViaCloudTrail } from './envelope';
import { requireEventTime } from './time';

/** Normalizes an EventBridge event that does not carry a CloudTrail record. */
export function normalizeEventBridge(envelope: JsonObject): NormalizedEvent {
  const eventId = requireString(envelope, 'id');
  const eventTime = requireEventTime(envelope.time, 'time');
  const source = requireString(envelope, 'source');
  const detailType = requireString(envelope, 'detail-type');
  if (isViaCloudTrail(detailType)) {
    throw new NormalizeError('BAD_FIELD', `"${detailType}" event whose detail is not a CloudTrail record object`, 'detail');
  }
  const account = accountAt(envelope, 'account');
  const region = stringAt(envelope, 'region');
  const service = serviceFromSource(source);
  const detail = isObject(envelope.detail) ? envelope.detail : null;

  const c = newCollected(service, account, region);
  collectEnvelopeResources(envelope.resources, c);
  const read = stateChangeReader(source, detailType);
  const category = read !== null ? 'state-change' : genericCategory(detailType);
  let state: string | null = null;
  if (read !== null) state = detail === null ? null : read(detail, c);
  else if (category === 'state-change') state = genericState(detail);

  return {
    eventId,
    eventTime,
    account,
    region,
    service,
    action: detailType,
    category,
    readOnly: null,
    errorCode: null,
    errorMessage: null,
    actor: noActor(),
    resources: c.resources.list(),
    state,
    tags: c.tags,
  };
}
