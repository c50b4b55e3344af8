import { describe, expect, it } from 'vitest';
import {
  cpuSlowdown,
  gbSeconds,
  latencyMs,
  LatencyTableError,
  modelDuration,
  type InvocationProfile,
  type LatencyTable,
} from '../../bench/cost/lambda-duration';
import shipped from '../../bench/cost/latency.json';

const entry = (ms: number) => ({ ms, basis: 'assumed', source: null, source_date: null });
const table: LatencyTable = { checked: 'test', latencies: { 'DynamoDB.*': entry(10), 'DynamoDB.TransactWriteItems': entry(20), '*': entry(40) } };
const profile = (p: Partial<InvocationProfile>): InvocationProfile => ({ wallMs: 5000, cpuMs: 0, shards: 1, requests: {}, alertRequests: {}, ...p });

describe('Lambda duration model', () => {
  it('looks latencies up by operation, then service, then the catch-all', () => {
    expect(latencyMs(table, 'DynamoDB.TransactWriteItems')).toBe(20);
    expect(latencyMs(table, 'DynamoDB.GetItem')).toBe(10);
    expect(latencyMs(table, 'SNS.Publish')).toBe(40);
    expect(() => latencyMs({ checked: 'x', latencies: {} }, 'S3.PutObject')).toThrowError(LatencyTableError);
  });

  it('slows CPU time down below one vCPU (1,769 MB) and not above', () => {
    expect(cpuSlowdown(1024)).toBeCloseTo(1769 / 1024, 10);
    expect(cpuSlowdown(1769)).toBe(1);
    expect(cpuSlowdown(4096)).toBe(1);
  });

  it('adds scaled CPU and request latencies per invocation, rounded up to the millisecond, ignoring wall time', () => {
    const profiles = [
      profile({ cpuMs: 100, requests: { 'DynamoDB.GetItem': 3, 'DynamoDB.TransactWriteItems': 1 } }),
      profile({ cpuMs: 0.2, requests: { 'SNS.Publish': 1 }, alertRequests: { 'SNS.Publish': 1 } }),
    ];
    const d = modelDuration(profiles, 1024, table, 'sequential');
    expect(d.ioMs).toBe(3 * 10 + 20 + 40);
    expect(d.cpuMs).toBeCloseTo(100.2 * (1769 / 1024), 6);
    expect(d.billedMs).toBe(Math.ceil(100 * (1769 / 1024) + 50) + Math.ceil(0.2 * (1769 / 1024) + 40));
    expect(d.alertIoMs).toBe(40);
  });

  it('divides the I/O of an invocation by its shards in the parallel variant', () => {
    const p = [profile({ shards: 4, requests: { 'DynamoDB.GetItem': 8 }, alertRequests: { 'DynamoDB.GetItem': 4 } })];
    expect(modelDuration(p, 1024, table, 'sequential').ioMs).toBe(80);
    expect(modelDuration(p, 1024, table, 'parallel-shards')).toMatchObject({ ioMs: 20, alertIoMs: 10, billedMs: 20 });
  });

  it('prices GB-seconds by memory', () => {
    expect(gbSeconds(2000, 512)).toBe(1);
  });

  it('ships a latency for every service the ingest handler calls, each saying where it comes from', () => {
    const t = shipped as LatencyTable;
    for (const r of ['DynamoDB.GetItem', 'DynamoDB.TransactWriteItems', 'S3.PutObject', 'SNS.Publish']) expect(latencyMs(t, r)).toBeGreaterThan(0);
    for (const l of Object.values(t.latencies)) expect(l.source !== null || /assumed/.test(l.basis)).toBe(true);
  });
});
