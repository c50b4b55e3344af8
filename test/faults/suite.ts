import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateKeyCommand, GetPublicKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { SQSRecord } from 'aws-lambda';
import { AlertOutbox } from '../../lib/aws/alert-outbox';
import { AlertPublisher } from '../../lib/aws/alert-publisher';
import { ArchiveWriter } from '../../lib/aws/archive-writer';
import { AttestationStore } from '../../lib/aws/attestation-store';
import { ChainStore, CommitConflictError } from '../../lib/aws/chain-store';
import { CheckpointStore, SealConflictError } from '../../lib/aws/checkpoint-store';
import { clientConfig, type AwsTarget } from '../../lib/aws/client-config';
import { KmsSigner } from '../../lib/aws/kms-signer';
import { liveHeads } from '../../lib/aws/live-heads';
import { S3Source } from '../../lib/aws/s3-source';
import { DynamoSuppressionStore } from '../../lib/aws/suppression-store';
import { trustedKeyFromPem } from '../../lib/core/checkpoint';
import { defaultDetectionConfig, loadSigmaRules, runDetectors, type DetectionContext } from '../../lib/core/detect';
import { sigmaFolders } from '../../lib/commit/runtime';
import { SuppressionWindow } from '../../lib/core/detect/suppression';
import type { Alert } from '../../lib/core/alert';
import type { JsonObject } from '../../lib/core/json';
import { isCapturedApiCall } from '../../lib/core/normalize';
import { demoStateChanges, demoTrailLogs } from '../../lib/demo/demo-events';
import { cloudTrailEnvelope } from '../../lib/demo/replay';
import { scaleEventId, scaleLogFiles, scaleTemplates } from '../../lib/demo/scale-events';
import { stagingObjects, trailLane } from '../../lib/ingest/lanes-runtime';
import { liveRouter } from '../../lib/ingest/live-route';
import { ingestSqsBatch, type IngestDeps, type IngestStats } from '../../lib/ingest/sqs-batch';
import { objectCreatedEvent } from '../../lib/local/live-lane';
import { ensureTable } from '../../lib/local/provision-table';
import { runSeal, type SealRuntime } from '../../lib/seal/runtime';
import { archiveTileStep } from '../../lib/seal/tile-step';
import { captureRouter } from '../../lib/cloudtrail/capture';
import { BucketDigestLookup } from '../../lib/cloudtrail/digest';
import { TrailBucket } from '../../lib/cloudtrail/trail-bucket';
import { DirSource } from '../../lib/verify/dir-source';
import { verifyArchive, type VerifyReport } from '../../lib/verify/verify-archive';
import { exportArchive } from '../support/archive-env';
import { FaultInjector, isInjected, KilledError, Rng, type FaultKind, type Scope } from './inject';
import { EmulatedQueue } from './queue';
import { auditArchive, invariantFailures } from './audit';

export { formatTable } from './audit';

export interface FaultSuiteOptions {
  target: AwsTarget;
  seed: number;
  /** Distinct events in the workload. */
  events: number;
  /** Fault rate: per AWS call (half seen by the caller, half by the SDK's retry), per commit (kills), per delete. */
  rate: number;
  ingestWorkers?: number;
  sealLoops?: number;
  /** Share of events delivered twice. @default 0.1 */
  duplicateShare?: number;
  /** Run the Python verifier over an exported copy. @default true */
  python?: boolean;
  log?: (line: string) => void;
  /**
   * Breaks the product on purpose, to show the audit catches it: 'no-dedup'
   * makes every id-set read come back empty (duplicates must be reported).
   */
  sabotage?: 'no-dedup';
}

export interface FaultSuiteResult {
  seed: number;
  rate: number;
  events: number;
  workload: { trailFiles: number; trailRecords: number; liveEvents: number; stateChanges: number; stagedObjects: number; messages: number };
  duplicatesDelivered: { total: number; bothLanes: number; restaged: number; singleMessages: number; repeatedNotices: number };
  faults: Record<FaultKind, number> & { total: number; toCaller: number; toSdkRetry: number; awsCalls: number; awsAttempts: number };
  ingest: { invocations: number; crashed: number; conflicts: number; redeliveries: number; failedShards: number; detectorFailures: number };
  dlq: { messages: number; events: number; redriven: number; leftAfterRedrive: number };
  seals: { ok: number; failed: number; checkpoints: number };
  alerts: { records: number; published: number; outboxLeft: number; missedEvents: number; missingDetectorAlerts: number };
  audit: {
    records: number;
    committedEvents: number;
    lost: string[];
    duplicated: string[];
    unexpected: string[];
    forks: string[];
    orphans: number;
    quarantined: number;
  };
  verify: { online: VerifyReport; offline: VerifyReport; python: { ran: boolean; valid: boolean; problems: unknown[]; records: number } };
  unexpectedErrors: string[];
  durationMs: number;
  ok: boolean;
  failures: string[];
}

const VERIFIER = resolve(__dirname, '../../interop/python/immutrail_verify.py');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const stamp = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

interface Workload {
  files: { key: string; body: Buffer; ids: string[] }[];
  expected: Set<string>;
  live: { lines: string[]; ids: string[] }[];
  singles: { body: string; id: string }[];
  liveEvents: number;
  stateChanges: number;
  trailRecords: number;
  restaged: number;
}

/** Real-shaped events: the demo's CloudTrail records repeated as a scale run, cut into small log files, and EC2/ECS/ASG state changes. */
function buildWorkload(rng: Rng, events: number, duplicateShare: number): Workload {
  const stateChanges = Math.floor(events / 20);
  const trailRecords = events - stateChanges;
  const records: JsonObject[] = [];
  for (const f of scaleLogFiles(scaleTemplates(demoTrailLogs()), trailRecords)) records.push(...f.records);
  const files: Workload['files'] = [];
  for (let at = 0, n = 0; at < records.length; n++) {
    const size = 10 + rng.int(41);
    const part = records.slice(at, at + size);
    at += size;
    const first = part[0];
    const account = String(first.recipientAccountId ?? '111122223333');
    const region = String(first.awsRegion ?? 'us-east-1');
    const time = String(first.eventTime);
    const key = `AWSLogs/${account}/CloudTrail/${region}/${time.slice(0, 10).replace(/-/g, '/')}/${account}_CloudTrail_${region}_${time.replace(/[-:]/g, '').slice(0, 13)}Z_faults${String(n).padStart(5, '0')}.json.gz`;
    files.push({ key, body: gzipSync(JSON.stringify({ Records: part })), ids: part.map((r) => String(r.eventID)) });
  }
  const start = Date.parse(String(records[0]?.eventTime ?? '2026-11-20T09:00:00Z'));
  const templates = demoStateChanges();
  const liveLines: { line: string; id: string }[] = [];
  for (const r of records) {
    if (!isCapturedApiCall(r, { captureReadOnly: false })) continue;
    const envId = scaleEventId(2e9 + liveLines.length);
    liveLines.push({ line: JSON.stringify(cloudTrailEnvelope(r, envId)), id: String(r.eventID) });
  }
  const liveFromTrail = liveLines.length;
  const expected = new Set(records.map((r) => String(r.eventID)));
  for (let i = 0; i < stateChanges; i++) {
    const id = scaleEventId(3e9 + i);
    const e = { ...templates[i % templates.length], id, time: stamp(start + i * 1000) };
    liveLines.push({ line: JSON.stringify(e), id });
    expected.add(id);
  }
  rng.shuffle(liveLines);
  const live: Workload['live'] = [];
  for (let at = 0; at < liveLines.length;) {
    const size = 3 + rng.int(18);
    const part = liveLines.slice(at, at + size);
    at += size;
    live.push({ lines: part.map((p) => p.line), ids: part.map((p) => p.id) });
  }
  // Firehose delivers at least once: some events are staged again, in a later object or (old path) alone in a message.
  const singles: Workload['singles'] = [];
  let restaged = 0;
  for (const l of liveLines) {
    if (!rng.chance(duplicateShare)) continue;
    if (rng.chance(0.25)) singles.push({ body: l.line, id: l.id });
    else {
      const target = live[rng.int(live.length)];
      target.lines.push(l.line);
      target.ids.push(l.id);
      restaged++;
    }
  }
  return { files, expected, live, singles, liveEvents: liveFromTrail + stateChanges, stateChanges, trailRecords, restaged };
}

interface Clients {
  s3: S3Client;
  ddb: DynamoDBClient;
  sns: SNSClient;
  kms: KMSClient;
}

export async function runFaultSuite(opts: FaultSuiteOptions): Promise<FaultSuiteResult> {
  const started = Date.now();
  const log = opts.log ?? (() => {});
  const master = Rng.derive(opts.seed, 'workload');
  const injector = new FaultInjector(opts.seed, opts.rate);
  const dupShare = opts.duplicateShare ?? 0.1;
  const unexpectedErrors: string[] = [];
  const noteError = (where: string, err: unknown) => {
    const e = err as Error & { cause?: unknown };
    if (isInjected(e) || isInjected(e?.cause) || e instanceof CommitConflictError || e instanceof SealConflictError) return;
    // Errors that wrap an injected one in their message (the outbox sweep reports its first failure that way).
    if (/\(injected |process killed \(injected\)/.test(String(e?.message))) return;
    if (unexpectedErrors.length < 50) unexpectedErrors.push(`${where}: ${e?.name ?? 'Error'}: ${e?.message ?? String(e)}`);
  };

  const suffix = createHash('sha256').update(`${opts.seed}/${Date.now()}/${Math.random()}`).digest('hex').slice(0, 8);
  const bucket = `immutrail-faults-${suffix}`;
  const staging = `immutrail-faults-staging-${suffix}`;
  const trailBucket = `immutrail-faults-trail-${suffix}`;
  const table = `immutrail-faults-${suffix}`;
  const origin = `immutrail.faults/${opts.seed}/${suffix}`;

  // Setup and audit use clients without faults.
  const clean: Clients = {
    s3: new S3Client(clientConfig(opts.target)),
    ddb: new DynamoDBClient(clientConfig(opts.target)),
    sns: new SNSClient(clientConfig(opts.target)),
    kms: new KMSClient(clientConfig(opts.target)),
  };
  for (const b of [bucket, staging, trailBucket]) await clean.s3.send(new CreateBucketCommand({ Bucket: b }));
  await ensureTable(clean.ddb, table);
  const topicArn = (await clean.sns.send(new CreateTopicCommand({ Name: `immutrail-faults-${suffix}` }))).TopicArn!;
  const keyId = (await clean.kms.send(new CreateKeyCommand({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' }))).KeyMetadata!.KeyId!;
  const der = (await clean.kms.send(new GetPublicKeyCommand({ KeyId: keyId }))).PublicKey!;
  const pem = (await import('node:crypto'))
    .createPublicKey({ key: Buffer.from(der), format: 'der', type: 'spki' })
    .export({ type: 'spki', format: 'pem' })
    .toString();
  const trusted = trustedKeyFromPem(origin, pem);

  // The workload, staged and announced in a shuffled order.
  const w = buildWorkload(master, opts.events, dupShare);
  const queue = new EmulatedQueue({
    rng: Rng.derive(opts.seed, 'queue'),
    lostDeleteRate: opts.rate,
    onLostDelete: () => injector.count('lost-delete'),
    redeliveryMs: () => 20 + Math.floor(Math.random() * 80),
  });
  const messages: { body: string; events: string[]; label: string }[] = [];
  let repeatedNotices = 0;
  let both = 0;
  const trailIds = new Set(w.files.flatMap((f) => f.ids));
  for (const [i, obj] of w.live.entries()) {
    const key = `live/2026/11/20/09/immutrail-live-${String(i).padStart(5, '0')}-${suffix}`;
    const body = Buffer.from(obj.lines.join('\n') + '\n');
    await clean.s3.send(new PutObjectCommand({ Bucket: staging, Key: key, Body: body }));
    const notice = { body: objectCreatedEvent(staging, key, body.length, 'us-east-1'), events: obj.ids, label: 'live' };
    messages.push(notice);
    both += obj.ids.filter((id) => trailIds.has(id)).length;
    if (master.chance(dupShare)) {
      messages.push({ ...notice });
      repeatedNotices += obj.ids.length;
    }
  }
  for (const s of w.singles) messages.push({ body: s.body, events: [s.id], label: 'single' });
  for (const f of w.files) {
    await clean.s3.send(new PutObjectCommand({ Bucket: trailBucket, Key: f.key, Body: f.body }));
    const notice = { body: objectCreatedEvent(trailBucket, f.key, f.body.length, 'us-east-1'), events: f.ids, label: 'trail' };
    messages.push(notice);
    if (master.chance(dupShare)) {
      messages.push({ ...notice });
      repeatedNotices += f.ids.length;
    }
  }
  master.shuffle(messages);
  // Notices arrive over the first seconds, in no particular order: some trail files come before their live events.
  const spread = Math.min(4000, messages.length * 20);
  for (const m of messages) queue.send(m.body, m.events, m.label, master.int(spread));
  log(
    `workload: ${opts.events} events (${w.trailRecords} in ${w.files.length} trail files, ${w.liveEvents} live in ${w.live.length} staged objects, ${w.stateChanges} state changes), ${messages.length} messages`,
  );

  // Shared, pure parts of a runtime.
  // The rule folders the Lambdas load: SigmaHQ's and immutrail's own.
  const sigmaRules = loadSigmaRules(sigmaFolders({})).rules;
  const config = defaultDetectionConfig();

  const faulty = (label: string, scope: Scope): Clients => {
    const c: Clients = {
      s3: new S3Client(clientConfig(opts.target)),
      ddb: new DynamoDBClient(clientConfig(opts.target)),
      sns: new SNSClient(clientConfig(opts.target)),
      kms: new KMSClient(clientConfig(opts.target)),
    };
    injector.attach(c.s3, `${label}/s3`, scope);
    injector.attach(c.ddb, `${label}/ddb`, scope);
    injector.attach(c.sns, `${label}/sns`, scope);
    injector.attach(c.kms, `${label}/kms`, scope);
    return c;
  };
  const outboxOf = (c: Clients) =>
    new AlertOutbox(
      c.ddb,
      table,
      new AlertPublisher({ sns: c.sns, topicArn, suppression: { window: new SuppressionWindow(), store: new DynamoSuppressionStore(c.ddb, table) } }),
      new S3Source(c.s3, bucket),
    );

  /** One Lambda container of the ingest function: its own clients, caches and kill switch. */
  const ingestContainer = (worker: number, generation: number) => {
    const scope: Scope = { killed: false };
    const label = `ingest-${worker}-${generation}`;
    const c = faulty(label, scope);
    const killRng = Rng.derive(opts.seed, `${label}/kill`);
    const context: DetectionContext = { config, attestations: new AttestationStore(c.ddb, table), trustedKeys: [], sigmaRules };
    const store = new ChainStore(c.ddb, table);
    if (opts.sabotage === 'no-dedup') store.committed = async () => new Set<string>();
    const base = {
      store,
      archive: new ArchiveWriter(c.s3, { bucket, retentionDays: 0 }),
      origin,
      detect: (r: Parameters<typeof runDetectors>[0]) => runDetectors(r, context),
      alerts: outboxOf(c),
      afterPut: async () => {
        const hit = killRng.chance(opts.rate);
        if (injector.enabled && hit) {
          scope.killed = true;
          injector.count('kill');
          throw new KilledError();
        }
      },
      onError: (where: string, err: unknown) => noteError(`ingest ${where}`, err),
    };
    const trail = new TrailBucket(c.s3, trailBucket);
    const deps: IngestDeps = {
      ...base,
      route: liveRouter(),
      staging: stagingObjects(c.s3, staging, 'live/'),
      trail: trailLane({
        ...base,
        onError: (stage, err) => noteError(`trail ${stage}`, err),
        trail,
        settings: { route: captureRouter({ captureReadOnly: true }), live: captureRouter({ captureReadOnly: false }), coverageShard: 'api' },
        digests: () => new BucketDigestLookup(trail),
      }),
    };
    return { scope, deps };
  };

  const ingestTotals = { invocations: 0, crashed: 0, conflicts: 0, failedShards: 0, detectorFailures: 0 };
  const add = (s: IngestStats) => {
    ingestTotals.conflicts += s.conflicts;
    ingestTotals.failedShards += s.failedShards;
    ingestTotals.detectorFailures += s.detectorFailures;
  };
  const worker = async (n: number) => {
    let generation = 0;
    let container = ingestContainer(n, generation++);
    const rng = Rng.derive(opts.seed, `worker-${n}`);
    while (queue.pending > 0) {
      const batch: SQSRecord[] = queue.receive(1 + rng.int(10));
      if (batch.length === 0) {
        await sleep(10);
        continue;
      }
      ingestTotals.invocations++;
      let failed = new Set<string>();
      let crashed = false;
      try {
        const out = await ingestSqsBatch(container.deps, { Records: batch });
        failed = new Set(out.response.batchItemFailures.map((f) => f.itemIdentifier));
        add(out.stats);
      } catch (err) {
        // The handler threw: Lambda fails the whole batch.
        noteError('ingest handler', err);
        crashed = true;
      }
      if (container.scope.killed) {
        crashed = true;
        container = ingestContainer(n, generation++);
      }
      if (crashed) ingestTotals.crashed++;
      queue.settle(batch, failed, crashed);
    }
  };

  const sealTotals = { ok: 0, failed: 0 };
  const sealRuntimeOf = (c: Clients): SealRuntime => ({
    deps: {
      store: new ChainStore(c.ddb, table),
      checkpoints: new CheckpointStore(c.s3, c.ddb, { bucket, table, retentionDays: 0 }),
      signer: new KmsSigner(c.kms, keyId, origin),
      origin,
    },
    tile: archiveTileStep({ ddb: c.ddb, s3: c.s3 }, { table, bucket, retentionDays: 0 }),
    outbox: outboxOf(c),
  });
  let stopSeals = false;
  const sealLoop = async (n: number) => {
    const rt = sealRuntimeOf(faulty(`seal-${n}`, { killed: false }));
    const rng = Rng.derive(opts.seed, `seal-${n}`);
    while (!stopSeals) {
      try {
        const run = await runSeal(rt);
        if (run.tileError) noteError('seal tiles', run.tileError);
        sealTotals.ok++;
      } catch (err) {
        sealTotals.failed++;
        noteError('seal', err);
      }
      await sleep(50 + rng.int(200));
    }
  };

  // The race: four ingest invocations at a time, two seal loops meanwhile.
  const seals = Array.from({ length: opts.sealLoops ?? 2 }, (_, i) => sealLoop(i));
  await Promise.all(Array.from({ length: opts.ingestWorkers ?? 4 }, (_, i) => worker(i)));
  stopSeals = true;
  await Promise.all(seals);
  log(`ingest done: ${ingestTotals.invocations} invocations, ${queue.dlq.length} messages in the DLQ; ${sealTotals.ok} seals (${sealTotals.failed} failed)`);

  // Then, without faults: one DLQ redrive, a final seal (with its outbox sweep), the audit.
  injector.enabled = false;
  const dead = [...queue.dlq];
  queue.redrive();
  await worker(opts.ingestWorkers ?? 4);
  const finalSeal = await runSeal(sealRuntimeOf(clean));
  sealTotals.ok++;

  const source = new S3Source(clean.s3, bucket);
  const store = new ChainStore(clean.ddb, table);
  const audit = await auditArchive(source, store, clean.ddb, table, w.expected);
  const records = audit.records;
  const alertRecords = records.filter((r) => r.chain.kind === 'alert');
  const outboxLeft =
    (
      await DynamoDBDocumentClient.from(clean.ddb).send(
        new QueryCommand({ TableName: table, IndexName: 'outbox', KeyConditionExpression: 'outbox = :p', ExpressionAttributeValues: { ':p': 'pending' } }),
      )
    ).Items?.length ?? 0;
  // Detection re-run without faults over the committed events: an alert the chain lacks was skipped silently (issue 19, defect 7).
  const cleanContext: DetectionContext = { config, attestations: new AttestationStore(clean.ddb, table), trustedKeys: [], sigmaRules };
  const alertIds = new Set(alertRecords.map((r) => (r.data as { alert: Alert }).alert.id));
  const missingAlerts = new Set<string>();
  for (const r of records) {
    if (r.chain.kind !== 'event') continue;
    for (const a of await runDetectors(r as Parameters<typeof runDetectors>[0], cleanContext)) if (!alertIds.has(a.id)) missingAlerts.add(a.id);
  }
  let checkpoints = 0;
  for await (const o of source.list('checkpoints/')) if (o.key.endsWith('.note')) checkpoints++;

  const online = await verifyArchive(source, { keys: [trusted], heads: await liveHeads(store), checkDuplicates: true });
  const dir = mkdtempSync(join(tmpdir(), 'immutrail-faults-'));
  let offline: VerifyReport;
  let python = { ran: false, valid: false, problems: [] as unknown[], records: 0 };
  try {
    await exportArchive({ source }, join(dir, 'archive'));
    offline = await verifyArchive(new DirSource(join(dir, 'archive')), { keys: [trusted], checkDuplicates: true });
    if (opts.python !== false) {
      writeFileSync(join(dir, 'public.pem'), pem);
      const r = spawnSync('python3', [VERIFIER, '--dir', join(dir, 'archive'), '--public-key', join(dir, 'public.pem'), '--json'], {
        encoding: 'utf8',
        timeout: 600_000,
        maxBuffer: 64 * 1024 * 1024,
      });
      try {
        const out = JSON.parse(r.stdout) as { valid: boolean; problems: unknown[]; records: number };
        python = { ran: true, valid: out.valid && r.status === 0, problems: out.problems, records: out.records };
      } catch {
        python = { ran: true, valid: false, problems: [`exit ${r.status}: ${r.stderr.slice(0, 500)}`], records: 0 };
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  const deadEvents = dead.reduce((n, m) => n + m.events.length, 0);
  const faults = injector.counts.byKind;
  const totalFaults = Object.values(faults).reduce((a, b) => a + b, 0);
  const result: FaultSuiteResult = {
    seed: opts.seed,
    rate: opts.rate,
    events: w.expected.size,
    workload: {
      trailFiles: w.files.length,
      trailRecords: w.trailRecords,
      liveEvents: w.liveEvents,
      stateChanges: w.stateChanges,
      stagedObjects: w.live.length,
      messages: messages.length,
    },
    duplicatesDelivered: {
      total: both + w.restaged + w.singles.length + repeatedNotices,
      bothLanes: both,
      restaged: w.restaged,
      singleMessages: w.singles.length,
      repeatedNotices,
    },
    faults: {
      ...faults,
      total: totalFaults,
      toCaller: injector.counts.call,
      toSdkRetry: injector.counts.attempt,
      awsCalls: injector.counts.calls,
      awsAttempts: injector.counts.attempts,
    },
    ingest: { ...ingestTotals, redeliveries: queue.stats.redelivered },
    dlq: { messages: dead.length, events: deadEvents, redriven: dead.length - queue.dlq.length, leftAfterRedrive: queue.dlq.length + queue.pending },
    seals: { ...sealTotals, checkpoints },
    alerts: {
      records: alertRecords.length,
      published: injector.published,
      outboxLeft,
      missingDetectorAlerts: missingAlerts.size,
      missedEvents: alertRecords.filter((r) => (r.data as { alert: Alert }).alert.kind === 'missed-events').length,
    },
    audit: {
      records: audit.records.length,
      committedEvents: audit.committedEvents,
      lost: audit.lost,
      duplicated: audit.duplicated,
      unexpected: audit.unexpected,
      forks: audit.forks,
      orphans: audit.orphans,
      quarantined: audit.quarantined,
    },
    verify: { online, offline: offline!, python },
    unexpectedErrors,
    durationMs: Date.now() - started,
    ok: false,
    failures: [],
  };
  void finalSeal;
  result.failures = invariantFailures(result, opts.python !== false);
  result.ok = result.failures.length === 0;
  return result;
}
