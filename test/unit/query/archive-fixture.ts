import { noActor } from '../../../lib/core/normalize/actor';
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Alert } from '../../../lib/core/alert';
import { batchKey } from '../../../lib/core/layout';
import type { Actor, NormalizedEvent, ResourceRef } from '../../../lib/core/normalized';
import { ZERO_HASH, type AuditRecord, type RecordDraft } from '../../../lib/core/record';

/**
 * Builds a small archive under the real key layout, with hash-linked chains
 * per shard. The record hash here is SHA-256 of the JSON line: the query layer
 * only compares `prev` with batch ids, so any hash that links the chain will do
 * (the real one is the lead's canonical hashing).
 */

export const NO_ACTOR: Actor = noActor();

export function actor(a: Partial<Actor>): Actor {
  return { ...NO_ACTOR, accountId: '111111111111', sourceIp: '203.0.113.7', ...a };
}

export function resource(type: string, id: string, arn: string | null = null): ResourceRef {
  return { type, id, arn };
}

let eventCounter = 0;

export function event(e: Partial<NormalizedEvent> & Pick<NormalizedEvent, 'eventTime' | 'action'>): NormalizedEvent {
  eventCounter++;
  return {
    eventId: `evt-${String(eventCounter).padStart(4, '0')}`,
    account: '111111111111',
    region: 'us-east-1',
    service: 'ec2',
    category: 'api-call',
    readOnly: false,
    errorCode: null,
    errorMessage: null,
    actor: NO_ACTOR,
    resources: [],
    state: null,
    tags: {},
    ...e,
  };
}

export function eventDraft(e: NormalizedEvent, id = `event:${e.eventId}`): RecordDraft {
  return {
    kind: 'event',
    id,
    data: {
      event: e,
      raw: { eventID: e.eventId, eventName: e.action, eventTime: e.eventTime, big: '12345678901234567890' },
      via: { channel: 'eventbridge', logFile: null },
    },
  };
}

/** Without `account` the alert is like one archived before alerts named their account (the field absent). */
export function alertDraft(a: Omit<Alert, 'id' | 'rule' | 'severity' | 'details' | 'record' | 'account'> & Partial<Alert>): RecordDraft {
  const alert = {
    id: `alert-${a.kind}-${a.eventTime}`,
    rule: `test.${a.kind}`,
    severity: 'high',
    details: { note: 'fixture' },
    record: null,
    ...a,
  } as Alert;
  return { kind: 'alert', id: `alert:${alert.id}`, data: { alert } };
}

interface Committed {
  record: AuditRecord;
  hash: string;
}

/** The records of one batch object as written. */
export interface WrittenBatch {
  key: string;
  records: AuditRecord[];
}

export class ArchiveBuilder {
  private readonly chains = new Map<string, Committed[]>();
  readonly objects = new Map<string, string>();

  /** Commits a batch at the shard's head (a genesis record first when the shard is new). */
  commit(shard: string, date: string, drafts: RecordDraft[]): WrittenBatch {
    const chain = this.chains.get(shard) ?? [];
    if (chain.length === 0) {
      drafts = [{ kind: 'genesis', id: `genesis:${shard}`, data: { origin: 'immutrail.test/archive' } }, ...drafts];
    }
    const built = this.build(shard, date, chain.length, chain.at(-1)?.hash ?? ZERO_HASH, drafts, 0);
    chain.push(...built.committed);
    this.chains.set(shard, chain);
    return built.batch;
  }

  /**
   * Writes a batch that lost the race: it starts at `seq` on top of the record
   * committed at seq-1 but never becomes part of the chain. `skewMs` shifts its
   * commit times so a copy of a committed record hashes differently.
   */
  orphan(shard: string, date: string, seq: number, drafts: RecordDraft[], skewMs = 1): WrittenBatch {
    const chain = this.chains.get(shard) ?? [];
    const prev = seq === 0 ? ZERO_HASH : chain[seq - 1].hash;
    return this.build(shard, date, seq, prev, drafts, skewMs).batch;
  }

  /** Head sequence number of a shard. */
  head(shard: string): number {
    return (this.chains.get(shard)?.length ?? 0) - 1;
  }

  writeTo(dir: string): void {
    for (const [key, body] of this.objects) {
      const file = join(dir, ...key.split('/'));
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, body);
    }
  }

  private build(
    shard: string,
    date: string,
    firstSeq: number,
    firstPrev: string,
    drafts: RecordDraft[],
    skewMs: number,
  ): { batch: WrittenBatch; committed: Committed[] } {
    const committed: Committed[] = [];
    let prev = firstPrev;
    drafts.forEach((d, i) => {
      const time = new Date(Date.parse(`${date}T12:00:00.000Z`) + (firstSeq + i) * 1000 + skewMs).toISOString();
      const record = {
        chain: { id: d.id, kind: d.kind, prev, seq: firstSeq + i, shard, time, v: 1 },
        data: d.data,
      } as AuditRecord;
      const hash = createHash('sha256').update(JSON.stringify(record)).digest('hex');
      committed.push({ record, hash });
      prev = hash;
    });
    const key = batchKey({
      shard,
      date,
      firstSeq,
      lastSeq: firstSeq + drafts.length - 1,
      batchId: prev.slice(0, 16),
    });
    this.objects.set(key, committed.map((c) => `${JSON.stringify(c.record)}\n`).join(''));
    return { batch: { key, records: committed.map((c) => c.record) }, committed };
  }
}
