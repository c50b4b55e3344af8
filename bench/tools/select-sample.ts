/**
 * One-time tool (not part of `npm run bench`): picks the benchmark's event
 * sample from the team's curated corpus (../shared/corpus, not shipped) and
 * writes bench/data/events.ndjson, bench/data/sources.json and the licence
 * files. Run again only to change the sample; bump GENERATOR_VERSION in
 * bench/archive/generate.ts when you do.
 *
 *   npx tsx bench/tools/select-sample.ts /work/shared/corpus
 */
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { shardForEvent } from '../../lib/contract/event-patterns';
import { planShards } from '../../lib/contract/shards';
import { draftFromMessage } from '../../lib/commit/drafts';

const DATA = resolve(__dirname, '..', 'data');

/** Sources whose events are captured from real accounts or are AWS's own documented examples. */
const SOURCES: { dir: string; licence: string; nature: string; maxPerKind: number }[] = [
  { dir: 'stratus-red-team', licence: 'Apache-2.0', nature: 'real detonation logs (anonymised)', maxPerKind: 2 },
  { dir: 'cloud-custodian', licence: 'Apache-2.0', nature: 'test fixtures captured from real accounts', maxPerKind: 2 },
  { dir: 'awsdocs-amazon-ec2-user-guide', licence: 'CC-BY-SA-4.0 / MIT-0', nature: 'AWS documentation examples', maxPerKind: 3 },
  { dir: 'awsdocs-amazon-ecs-developer-guide', licence: 'CC-BY-SA-4.0 / MIT-0', nature: 'AWS documentation examples', maxPerKind: 3 },
  { dir: 'awsdocs-amazon-ec2-auto-scaling-user-guide', licence: 'CC-BY-SA-4.0 / MIT-0', nature: 'AWS documentation examples', maxPerKind: 3 },
  { dir: 'awsdocs-amazon-ecr-user-guide', licence: 'CC-BY-SA-4.0 / MIT-0', nature: 'AWS documentation examples', maxPerKind: 3 },
  { dir: 'awsdocs-amazon-eventbridge-user-guide', licence: 'CC-BY-SA-4.0 / MIT-0', nature: 'AWS documentation examples', maxPerKind: 3 },
  { dir: 'awsdocs-aws-cloudtrail-user-guide', licence: 'CC-BY-SA-4.0 / MIT-0', nature: 'AWS documentation examples', maxPerKind: 2 },
  { dir: 'awsdocs-iam-user-guide', licence: 'MIT-0', nature: 'AWS documentation examples', maxPerKind: 2 },
];

type Json = Record<string, unknown>;

/** A CloudTrail record as EventBridge delivers it: inside an "... via CloudTrail" envelope (this wrapping is ours). */
function wrap(record: Json): Json {
  const eventSource = String(record.eventSource);
  const signIn = record.eventType === 'AwsConsoleSignIn';
  const identity = (record.userIdentity ?? {}) as Json;
  return {
    version: '0',
    id: uuidFrom(JSON.stringify(record)),
    'detail-type': signIn ? 'AWS Console Sign In via CloudTrail' : 'AWS API Call via CloudTrail',
    source: `aws.${eventSource.split('.')[0]}`,
    account: String(record.recipientAccountId ?? identity.accountId ?? '111122223333'),
    time: String(record.eventTime),
    region: String(record.awsRegion ?? 'us-east-1'),
    resources: [],
    detail: record,
  };
}

function withTime(envelope: Json, time: string): Json {
  const copy: Json = { ...envelope, time };
  const detail = copy.detail;
  if (typeof detail === 'object' && detail !== null && 'eventTime' in detail) copy.detail = { ...(detail as Json), eventTime: time };
  return copy;
}

function uuidFrom(text: string): string {
  const h = createHash('sha256').update(text).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** Which repository file a corpus line came from: the provenance lists files in order with their event counts. */
function sourceFile(prov: { files: { path: string; cloudtrail: number; eventbridge: number }[] }, kind: 'cloudtrail' | 'eventbridge', line: number): string {
  let n = 0;
  for (const f of prov.files) {
    n += f[kind];
    if (line <= n) return f.path;
  }
  return '(unknown)';
}

function main(): void {
  const corpus = process.argv[2];
  if (!corpus || !existsSync(corpus)) throw new Error('usage: select-sample.ts <corpus dir>');
  const plan = planShards();
  const capture = { captureReadOnlyApiCalls: false };
  const out: string[] = [];
  const seenBodies = new Set<string>();
  const rows: Json[] = [];
  mkdirSync(join(DATA, 'licenses'), { recursive: true });
  for (const src of SOURCES) {
    const prov = JSON.parse(readFileSync(join(corpus, src.dir, '_provenance.json'), 'utf8'));
    const perKind = new Map<string, number>();
    for (const kind of ['cloudtrail', 'eventbridge'] as const) {
      const file = join(corpus, src.dir, `${kind}.ndjson`);
      if (!existsSync(file)) continue;
      readFileSync(file, 'utf8')
        .split('\n')
        .forEach((text, i) => {
          if (!text.trim()) return;
          const parsed = JSON.parse(text) as Json;
          const envelope = kind === 'cloudtrail' ? wrap(parsed) : parsed;
          const shard = shardForEvent(envelope, plan, capture);
          if (!shard) return; // not captured by the stack's rules (read-only call, other detail-type)
          const body = JSON.stringify(envelope);
          if (seenBodies.has(body)) return; // the same example on two doc pages
          // The generator gives every event a new time, so a documentation placeholder time is no reason to drop one.
          if (!draftFromMessage(JSON.stringify(withTime(envelope, '2026-01-01T00:00:00Z')), { channel: 'eventbridge', logFile: null }).ok) return;
          const detail = (envelope.detail ?? {}) as Json;
          const what = kind === 'cloudtrail' ? `${detail.eventSource}:${detail.eventName}` : `${envelope.source}:${envelope['detail-type']}`;
          const seen = perKind.get(what) ?? 0;
          if (seen >= src.maxPerKind) return;
          perKind.set(what, seen + 1);
          seenBodies.add(body);
          out.push(body);
          rows.push({
            line: out.length,
            shard,
            event: what,
            source: src.dir,
            repo: prov.repo,
            commit: prov.commit,
            file: sourceFile(prov, kind, i + 1),
            corpusFile: `${src.dir}/${kind}.ndjson`,
            corpusLine: i + 1,
            wrapped: kind === 'cloudtrail',
            licence: src.licence,
            nature: src.nature,
          });
        });
    }
    for (const f of readdirSync(join(corpus, src.dir))) {
      if (f.startsWith('LICENSE')) copyFileSync(join(corpus, src.dir, f), join(DATA, 'licenses', `${src.dir}.${f}`));
    }
  }
  writeFileSync(join(DATA, 'events.ndjson'), out.join('\n') + '\n');
  writeFileSync(join(DATA, 'sources.json'), JSON.stringify(rows, null, 1) + '\n');
  const byShard = new Map<string, number>();
  for (const r of rows) byShard.set(r.shard as string, (byShard.get(r.shard as string) ?? 0) + 1);
  console.log(`${out.length} events`, Object.fromEntries(byShard));
}

main();
