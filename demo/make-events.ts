/**
 * Maintainer tool: builds the demo's bundled events from the public corpus in
 * ../shared/corpus (not shipped; the outputs under demo/events/ are). Run with
 *   npx tsx demo/make-events.ts /path/to/shared/corpus
 * Records and envelopes are copied verbatim; the only edits are listed in
 * demo/events/PROVENANCE.md (placeholder times, and the demo's two ECS tasks).
 */
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

const corpus = process.argv[2] ?? join(__dirname, '../../shared/corpus');
const out = join(__dirname, 'events');
rmSync(out, { recursive: true, force: true });
mkdirSync(join(out, 'licenses'), { recursive: true });

type Rec = Record<string, any>;
const lines = (p: string): Rec[] => readFileSync(p, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));

// 1. CloudTrail log files, one per original detonation/capture file, laid out as CloudTrail delivers them.
const provenance: string[] = [];
for (const source of ['stratus-red-team', 'otrf-security-datasets']) {
  const prov = JSON.parse(readFileSync(join(corpus, source, '_provenance.json'), 'utf8'));
  const records = lines(join(corpus, source, 'cloudtrail.ndjson'));
  // Files with per-file counts are split back into their files; a single archive (a zip) is one file.
  const files = (prov.files as { path: string; cloudtrail?: number }[]).filter((f) => f.cloudtrail !== undefined);
  const plan = files.length > 0 ? files : [{ path: prov.files[0].path, cloudtrail: records.length }];
  let at = 0;
  for (const f of plan as { path: string; cloudtrail: number }[]) {
    const chunk = records.slice(at, at + f.cloudtrail);
    at += f.cloudtrail;
    if (chunk.length === 0) continue;
    const first = chunk[0];
    const account = first.recipientAccountId ?? first.userIdentity?.accountId ?? '111122223333';
    const region = first.awsRegion ?? 'us-east-1';
    // Logstash exports (otrf) moved eventTime to @timestamp; the file name needs a time either way.
    const t = new Date(first.eventTime ?? first['@timestamp']);
    const ymd = t.toISOString().slice(0, 10).split('-');
    const stamp = t.toISOString().replace(/[-:]/g, '').slice(0, 13) + 'Z';
    const name = f.path.split('/').pop()!.replace(/\.(json|zip)$/, '').replace(/[^A-Za-z0-9.-]/g, '-');
    const key = `AWSLogs/${account}/CloudTrail/${region}/${ymd[0]}/${ymd[1]}/${ymd[2]}/${account}_CloudTrail_${region}_${stamp}_${name}.json.gz`;
    const path = join(out, 'trail-logs', ...key.split('/'));
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, gzipSync(JSON.stringify({ Records: chunk })));
    provenance.push(`| trail-logs/${key} | ${prov.repo} @ ${prov.commit.slice(0, 12)} | ${f.path} | ${chunk.length} |`);
  }
  copyFileSync(join(corpus, source, 'LICENSE'), join(out, 'licenses', `${source}.LICENSE`));
}

// 2. EventBridge state changes (EC2, ECS, Auto Scaling, ECR) as the rules deliver them.
const pick: [string, number][] = [
  ['awsdocs-amazon-eventbridge-user-guide', 1],
  ['awsdocs-amazon-eventbridge-user-guide', 3],
  ['awsdocs-amazon-eventbridge-user-guide', 2],
  ['awsdocs-amazon-ecs-developer-guide', 1],
  ['awsdocs-amazon-ecs-developer-guide', 8],
  ['aws-lambda-go', 1],
  ['aws-lambda-go', 5],
  ['awsdocs-amazon-ecr-user-guide', 1],
];
const envelopes: Rec[] = [];
const eb = new Map<string, Rec[]>();
for (const [source, line] of pick) {
  if (!eb.has(source)) eb.set(source, lines(join(corpus, source, 'eventbridge.ndjson')));
  const e = eb.get(source)![line - 1];
  if (e.time === '1970-01-01T00:00:00Z') e.time = '2026-01-15T09:00:00Z';
  envelopes.push(e);
  provenance.push(`| state-changes.ndjson line ${envelopes.length} | ${source} (see ../../../shared/corpus SOURCES) | eventbridge.ndjson line ${line} | 1 |`);
  try {
    copyFileSync(join(corpus, source, 'LICENSE'), join(out, 'licenses', `${source}.LICENSE`));
  } catch {
    // sources without a LICENSE file carry LICENSE-SUMMARY
    copyFileSync(join(corpus, source, 'LICENSE-SUMMARY'), join(out, 'licenses', `${source}.LICENSE-SUMMARY`));
  }
}
// The demo's two ECS tasks: the documented task event, run once with an image the
// pipeline attested and once with one it did not (digests and ids edited).
const task = lines(join(corpus, 'awsdocs-amazon-ecs-developer-guide', 'eventbridge.ndjson'))[1];
for (const [suffix, digest] of [
  ['attested', 'sha256:' + '1f'.repeat(32)],
  ['unattested', 'sha256:' + 'e3'.repeat(32)],
]) {
  const t = JSON.parse(JSON.stringify(task));
  t.id = `demo-ecs-task-${suffix}`;
  t.time = '2026-01-15T09:30:00Z';
  t.detail.taskArn = `arn:aws:ecs:us-west-2:111122223333:task/FargateCluster/demo${suffix}`;
  t.resources = [t.detail.taskArn];
  for (const c of t.detail.containers) {
    c.image = `111122223333.dkr.ecr.us-west-2.amazonaws.com/hello-repository@${digest}`;
    c.imageDigest = digest;
    c.taskArn = t.detail.taskArn;
  }
  envelopes.push(t);
  provenance.push(`| state-changes.ndjson line ${envelopes.length} | awsdocs-amazon-ecs-developer-guide | eventbridge.ndjson line 2, EDITED by immutrail: id, time, taskArn (and resources), image pinned to ${digest} | 1 |`);
}
writeFileSync(join(out, 'state-changes.ndjson'), envelopes.map((e) => JSON.stringify(e)).join('\n') + '\n');
writeFileSync(
  join(out, 'PROVENANCE.md'),
  `# Demo events: provenance\n\nBuilt by demo/make-events.ts from the public corpus described in the project's shared SOURCES.md.\nRecords are verbatim (key order kept) except where marked EDITED. Licences of each source are in licenses/.\n\n- stratus-red-team: DataDog/stratus-red-team, Apache-2.0: real detonation logs, anonymised by their authors.\n- otrf-security-datasets: OTRF/Security-Datasets, MIT: a real 2020 EC2-proxy / S3-exfiltration simulation.\n- awsdocs-*: AWS documentation examples (MIT-0 sample code).\n- aws-lambda-go: aws/aws-lambda-go test data, Apache-2.0 (placeholder time 1970-01-01 replaced by 2026-01-15T09:00:00Z: EDITED).\n\n| file | source | original | records |\n|---|---|---|---|\n${provenance.join('\n')}\n`,
);
console.log(`wrote ${provenance.length} entries to ${out}`);
