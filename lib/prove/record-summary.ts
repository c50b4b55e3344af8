import { isObject } from '../core/json-access';

/** What a person reads first about a proven record. Every field is taken defensively: the record is untrusted input. */
export interface RecordSummary {
  id: string | null;
  kind: string | null;
  shard: string | null;
  seq: number | null;
  /** When the record was committed to the chain. */
  committed: string | null;
  /** When the event happened (or the alert's event). */
  eventTime: string | null;
  /** The AWS account the event (or the alert, or the covered log file) belongs to. */
  account: string | null;
  /** Who: the principal's ARN, else user name, principal id or type. */
  actor: string | null;
  /** What: "service:Action" for events, "alert <kind> <rule>" for alerts. */
  action: string | null;
  /** Which: "<type> <id>" per resource. */
  resources: string[];
  /** One more line when the kind has one: an alert's summary, a quarantine's reason. */
  note: string | null;
}

type Obj = Record<string, unknown>;
const obj = (x: unknown): Obj | null => (isObject(x) ? x : null);
const str = (x: unknown): string | null => (typeof x === 'string' ? x : null);

export function summarizeRecord(record: unknown): RecordSummary {
  const chain = obj(obj(record)?.chain);
  const data = obj(obj(record)?.data);
  const s: RecordSummary = {
    id: str(chain?.id),
    kind: str(chain?.kind),
    shard: str(chain?.shard),
    seq: typeof chain?.seq === 'number' ? chain.seq : null,
    committed: str(chain?.time),
    eventTime: null,
    account: null,
    actor: null,
    action: null,
    resources: [],
    note: null,
  };
  if (s.kind === 'event') {
    const e = obj(data?.event);
    const actor = obj(e?.actor);
    s.eventTime = str(e?.eventTime);
    s.account = str(e?.account);
    s.actor = str(actor?.arn) ?? str(actor?.userName) ?? str(actor?.principalId) ?? str(actor?.type);
    const service = str(e?.service);
    const action = str(e?.action);
    s.action = action === null ? null : service === null ? action : `${service}:${action}`;
    s.resources = (Array.isArray(e?.resources) ? e.resources : []).flatMap((r) => {
      const ref = obj(r);
      const id = str(ref?.id);
      return id === null ? [] : [str(ref?.type) === null ? id : `${str(ref?.type)} ${id}`];
    });
  } else if (s.kind === 'alert') {
    const a = obj(data?.alert);
    s.eventTime = str(a?.eventTime);
    s.account = str(a?.account);
    s.actor = str(a?.principal);
    const kind = str(a?.kind);
    s.action = kind === null ? null : `alert ${kind}${str(a?.rule) ? ` ${str(a?.rule)}` : ''}`;
    s.resources = str(a?.resource) ? [str(a?.resource)!] : [];
    s.note = str(a?.summary);
  } else if (s.kind === 'coverage') {
    s.account = str(data?.account);
    s.note = str(data?.logFile);
  } else if (s.kind === 'quarantine') {
    s.note = str(data?.reason);
  } else if (s.kind === 'attestation') {
    s.eventTime = str(data?.signedAt);
    s.actor = str(data?.signer) ?? str(data?.keyId);
    s.action = 'attest';
    s.resources = str(data?.subject) ? [`${str(data?.subjectType) ?? 'subject'} ${str(data?.subject)}`] : [];
  }
  return s;
}
