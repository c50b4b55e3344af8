import { DeleteMessageBatchCommand, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';

export interface ReceivedAlert {
  kind: string;
  rule: string;
  severity: string;
  subject: string;
  resource: string | null;
  eventId: string | null;
  /** The account the alert is about (null for one about no event, or from an archive older than the field). */
  account: string | null;
}

async function readAlerts(sqs: SQSClient, url: string): Promise<ReceivedAlert[]> {
  const alerts: ReceivedAlert[] = [];
  for (let idle = 0; idle < 2; ) {
    const out = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10 }));
    const msgs = out.Messages ?? [];
    if (msgs.length === 0) {
      idle++;
      continue;
    }
    for (const m of msgs) {
      const envelope = JSON.parse(m.Body!);
      const body = JSON.parse(envelope.Message);
      alerts.push({ kind: body.kind, rule: body.rule, severity: body.severity, subject: envelope.Subject, resource: body.resource, eventId: body.eventId, account: body.account ?? null });
    }
    await sqs.send(new DeleteMessageBatchCommand({ QueueUrl: url, Entries: msgs.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })) }));
  }
  return alerts;
}

const SEVERITY_ORDER = ['critical', 'high', 'medium', 'low'];

/** Every alert the inbox queue received, counted by kind, with a few subjects to show (most severe first, one per kind first). */
export async function receivedAlerts(sqs: SQSClient, url: string): Promise<{ alerts: ReceivedAlert[]; alertsByKind: Record<string, number>; samples: string[] }> {
  const alerts = await readAlerts(sqs, url);
  const alertsByKind: Record<string, number> = {};
  for (const a of alerts) alertsByKind[a.kind] = (alertsByKind[a.kind] ?? 0) + 1;
  const samples = [...alerts]
    .sort((a, b) => SEVERITY_ORDER.indexOf(a.severity) - SEVERITY_ORDER.indexOf(b.severity))
    .filter((a, i, all) => all.findIndex((b) => b.kind === a.kind) === i || i < 3)
    .slice(0, 8)
    .map((a) => a.subject);
  return { alerts, alertsByKind, samples };
}
