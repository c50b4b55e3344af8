import { describe, expect, it } from 'vitest';
import type { JsonObject } from '../../../lib/core/json';
import { eventIdOf, normalizeEvent } from '../../../lib/core/normalize';
import { fixture } from './fixtures';

const OURS = 'immutrail-handwritten.ndjson';

describe('eventIdOf: the exactly-once id', () => {
  it('an API call seen through EventBridge and in the trail log file has one id', () => {
    const viaEventBridge = fixture(OURS, 7);
    const fromLogFile = fixture(OURS, 4);
    expect(viaEventBridge.id).not.toBe(fromLogFile.eventID); // the envelope has an id of its own
    expect(eventIdOf(viaEventBridge)).toBe('6f1d2c3b-9a8e-4b7c-8d6e-5f4a3b2c1d04');
    expect(eventIdOf(fromLogFile)).toBe('6f1d2c3b-9a8e-4b7c-8d6e-5f4a3b2c1d04');
  });

  it('and both normalize to the same event', () => {
    expect(normalizeEvent(fixture(OURS, 7))).toEqual(normalizeEvent(fixture(OURS, 4)));
    const envelope = fixture('cloud-custodian.eventbridge.ndjson', 3);
    expect(normalizeEvent(envelope)).toEqual(normalizeEvent(envelope.detail as JsonObject));
  });

  it('other EventBridge events use the envelope id', () => {
    expect(eventIdOf(fixture('cloud-custodian.eventbridge.ndjson', 4))).toBe('07a51e4f-5d35-4010-a6a3-b7646aaead30');
  });

  it('a wrapped record without eventID falls back to the envelope id', () => {
    const envelope = fixture(OURS, 7);
    delete (envelope.detail as JsonObject).eventID;
    expect(eventIdOf(envelope)).toBe('a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c07');
    expect(normalizeEvent(envelope).eventId).toBe('a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c07');
  });

  it('null when there is no id', () => {
    expect(eventIdOf(fixture('panther-analysis.cloudtrail.ndjson', 2))).toBeNull(); // bare record without eventID
    expect(eventIdOf({ ...fixture(OURS, 4), eventID: '' })).toBeNull();
    expect(eventIdOf({ ...fixture(OURS, 4), eventID: 42 })).toBeNull();
    expect(eventIdOf(null)).toBeNull();
    expect(eventIdOf([fixture(OURS, 4)])).toBeNull();
    expect(eventIdOf('6f1d2c3b-9a8e-4b7c-8d6e-5f4a3b2c1d04')).toBeNull();
    expect(eventIdOf({ '@timestamp': '2020-09-14T00:44:23.000Z', message: 'not an event' })).toBeNull();
  });
});
