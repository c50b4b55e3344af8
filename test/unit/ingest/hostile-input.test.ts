import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { MAX_JSON_DEPTH, memberArraySpans, scanJsonText, stringifyDeep, valueShape } from '../../../lib/core/json-shape';
import type { JsonValue } from '../../../lib/core/json';
import { draftFromEvent, draftFromMessage } from '../../../lib/commit/drafts';
import { readLogFile } from '../../../lib/cloudtrail/log-file';
import { apiCallEnvelope } from '../../support/events';

const via = { channel: 'eventbridge' as const, logFile: null };
const nested = (open: string, close: string, depth: number, inner = '1') => open.repeat(depth) + inner + close.repeat(depth);

describe('issue 19: hostile input is quarantined whole, never half-read', () => {
  it('defect 5: an event nested deeper than the limit is quarantined before anything walks it, with its exact bytes', () => {
    for (const deep of [nested('[', ']', 10_000), nested('{"a":', '}', 10_000)]) {
      const body = JSON.stringify({ ...apiCallEnvelope(), detail: { ...apiCallEnvelope().detail, requestParameters: '__X__' } }).replace('"__X__"', deep);
      const r = draftFromMessage(body, via);
      expect(r.ok).toBe(false);
      if (r.ok) continue;
      expect(r.reason).toBe(`nested deeper than ${MAX_JSON_DEPTH} levels`);
      expect(Buffer.from(r.draft.data.rawBase64, 'base64').toString('utf8')).toBe(body);
    }
    // At the limit it is an event.
    const atLimit = JSON.stringify({ ...apiCallEnvelope(), detail: { ...apiCallEnvelope().detail, requestParameters: '__X__' } }).replace(
      '"__X__"',
      nested('[', ']', MAX_JSON_DEPTH - 2),
    );
    expect(scanJsonText(atLimit).depth).toBe(MAX_JSON_DEPTH);
    expect(draftFromMessage(atLimit, via).ok).toBe(true);
  });

  it('defect 5: a parsed record too deep (from a log file) is quarantined, kept whole by a serializer that does not recurse', () => {
    const deep = JSON.parse(nested('[', ']', 20_000)) as JsonValue;
    const raw = { ...apiCallEnvelope().detail, requestParameters: deep } as unknown as JsonValue;
    const r = draftFromEvent(raw, { channel: 'trail-log', logFile: 'k' });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(JSON.parse(Buffer.from(r.draft.data.rawBase64, 'base64').toString('utf8')).requestParameters).toBeDefined();
    expect(stringifyDeep(deep)).toBe(nested('[', ']', 20_000));
    const sample = { a: [1, 'x', null, true, { b: -0.5, 'c"d': ['\u2028'] }], e: {} } as JsonValue;
    expect(stringifyDeep(sample)).toBe(JSON.stringify(sample));
  });

  it('defect 9: a message that repeats a member name is quarantined with its exact bytes, not read as its last value', () => {
    const good = apiCallEnvelope({ eventName: 'DescribeInstances' });
    // A StopLogging detail placed before a benign one: JSON.parse would keep only the benign one.
    const body = JSON.stringify(good).replace('"detail":{', `"detail":${JSON.stringify({ ...good.detail, eventName: 'StopLogging' })},"detail":{`);
    const r = draftFromMessage(body, via);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.reason).toMatch(/repeats a member name/);
      expect(Buffer.from(r.draft.data.rawBase64, 'base64').toString('utf8')).toContain('StopLogging');
    }
    // Names that only look alike, or repeat in different objects, are fine.
    expect(draftFromMessage(JSON.stringify({ ...good, detail: { ...good.detail, requestParameters: { a: { a: 1 }, A: 2, 'a ': 3 } } }), via).ok).toBe(true);
  });

  it('defect 9: in a trail log file, exactly the records that repeat a name are flagged, with their text', () => {
    const a = apiCallEnvelope().detail;
    const b = apiCallEnvelope().detail;
    const text = `{"Records":[ ${JSON.stringify(a)} ,${JSON.stringify(b).replace('"eventName":', '"eventName":"StopLogging","eventName":')}]}`;
    const file = readLogFile(gzipSync(Buffer.from(text)));
    expect([...file.repeatedNames.keys()]).toEqual([1]);
    expect(file.repeatedNames.get(1)).toContain('"eventName":"StopLogging","eventName":');
    expect(readLogFile(gzipSync(Buffer.from(JSON.stringify({ Records: [a, b] })))).repeatedNames.size).toBe(0);
    expect(
      memberArraySpans('{"x":[1],"Records":[{"a":"],"} , [2,3] ,"s"]}', 'Records').map(([f, t]) => '{"x":[1],"Records":[{"a":"],"} , [2,3] ,"s"]}'.slice(f, t)),
    ).toEqual(['{"a":"],"}', '[2,3]', '"s"']);
  });

  it('defect 4: an event whose id takes the shape of a minted id is quarantined, so it can neither block nor shadow a shard', () => {
    for (const id of ['genesis:api', 'alert:x', 'coverage:b/k', 'quarantine:00', 'attestation:s']) {
      const r = draftFromMessage(JSON.stringify(apiCallEnvelope({ eventId: id })), via);
      expect(r.ok, id).toBe(false);
      if (!r.ok) {
        expect(r.reason).toMatch(/reserved for ids immutrail mints/);
        expect(r.draft.id).toMatch(/^quarantine:[0-9a-f]{64}$/);
      }
    }
    expect(draftFromMessage(JSON.stringify(apiCallEnvelope({ eventId: 'genesis-api' })), via).ok).toBe(true);
  });

  it('counts members the way the text has them', () => {
    expect(scanJsonText('{"a":":","b":{"c":[1,{"d":2}]}}')).toEqual({ depth: 4, members: 4 });
    expect(valueShape(JSON.parse('{"a":":","b":{"c":[1,{"d":2}]}}'))).toEqual({ depth: 4, members: 4 });
  });
});
