import { gzipSync } from 'node:zlib';
import type { JsonObject } from '../../lib/core/json';
import { demoTrailLogs } from '../../lib/demo/demo-events';
import { scaleTemplates, type ScaleTemplates } from '../../lib/demo/scale-events';
import { envelopeOf } from '../../lib/cloudtrail/capture';

/**
 * The organization's management events, the same ones for both lanes: a
 * deterministic count per (account, region, second) from the load model, 3 in
 * every 20 of them writes (READ_ONLY_SHARE 0.85 in lib/demo/scale-events.ts). Writes go to the live lane as EventBridge
 * envelopes; every event goes into its account and region's trail file.
 */
export const REGIONS = ['us-east-1', 'eu-west-1', 'us-west-2', 'ap-southeast-2'] as const;

/** The organization's id in the trail's keys (AWSLogs/<org id>/<account>/CloudTrail/...). */
export const ORG_ID = 'o-a1b2c3d4e5';

export const accountId = (i: number): string => String(100000000000 + i);

export interface Stream {
  account: number;
  region: number;
  /** Events per second of this account in this region. */
  perS: number;
}

const hex = (n: number, width: number) => n.toString(16).padStart(width, '0').slice(-width);
const stamp = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

export class OrgEvents {
  private readonly templates: ScaleTemplates;

  constructor(
    readonly streams: readonly Stream[],
    /** Wall-clock epoch of simulated time 0. */
    readonly epochMs: number,
    private readonly writeEvery = { of: 20, writes: 3 },
  ) {
    this.templates = scaleTemplates(demoTrailLogs());
  }

  /** Index range of a stream's events in simulated second `sec`: floor(perS x t) counts, so rates hold exactly over time. */
  range(s: Stream, sec: number): [number, number] {
    return [Math.floor(s.perS * sec + 1e6 * s.perS), Math.floor(s.perS * (sec + 1) + 1e6 * s.perS)];
  }

  isWrite(index: number): boolean {
    return index % this.writeEvery.of >= this.writeEvery.of - this.writeEvery.writes;
  }

  /** The CloudTrail record of event `index` of a stream, at simulated second `sec`. */
  record(s: Stream, index: number, sec: number): JsonObject {
    const write = this.isWrite(index);
    const pool = write ? this.templates.writes : this.templates.readOnly;
    const t = pool[index % pool.length];
    const account = accountId(s.account);
    const id = `${hex(s.account, 8)}-${hex(s.region, 4)}-4${hex(Math.floor(index / 2 ** 44), 3)}-8${hex(Math.floor(index / 2 ** 32), 3)}-${hex(index, 12)}`;
    const identity =
      typeof t.userIdentity === 'object' && t.userIdentity !== null && !Array.isArray(t.userIdentity)
        ? { ...t.userIdentity, accountId: account }
        : t.userIdentity;
    return {
      ...t,
      eventID: id,
      requestID: id,
      eventTime: stamp(this.epochMs + sec * 1000 + (index % 1000)),
      recipientAccountId: account,
      awsRegion: REGIONS[s.region],
      userIdentity: identity,
    } as JsonObject;
  }

  /** Writes of second `sec`, as the EventBridge envelopes the member accounts forward (one line each). */
  liveLines(sec: number): string[] {
    const out: string[] = [];
    for (const s of this.streams) {
      const [a, b] = this.range(s, sec);
      for (let i = a; i < b; i++) {
        if (!this.isWrite(i)) continue;
        const r = this.record(s, i, sec);
        out.push(JSON.stringify({ version: '0', id: r.eventID, ...envelopeOf(r), time: r.eventTime, region: r.awsRegion, resources: [] }));
      }
    }
    return out;
  }

  /** The trail file of one stream over [fromSec, toSec): CloudTrail's key layout, gzipped. */
  trailFile(s: Stream, fromSec: number, toSec: number): { key: string; body: Buffer; events: number; rawBytes: number } {
    const records: JsonObject[] = [];
    for (let sec = fromSec; sec < toSec; sec++) {
      const [a, b] = this.range(s, sec);
      for (let i = a; i < b; i++) records.push(this.record(s, i, sec));
    }
    const account = accountId(s.account);
    const region = REGIONS[s.region];
    const end = new Date(this.epochMs + toSec * 1000).toISOString();
    const day = end.slice(0, 10).replace(/-/g, '/');
    const compact = end.replace(/[-:]/g, '').slice(0, 13);
    const key = `AWSLogs/${ORG_ID}/${account}/CloudTrail/${region}/${day}/${account}_CloudTrail_${region}_${compact}Z_${hex(fromSec >>> 0, 8)}.json.gz`;
    const json = JSON.stringify({ Records: records });
    return { key, body: gzipSync(json, { level: 1 }), events: records.length, rawBytes: Buffer.byteLength(json) };
  }
}
