import type { Construct } from 'constructs';
import { AlertChannel } from './alerts';
import { ArchiveBucket } from './archive-bucket';
import type { AuditTrailProps, ResolvedAuditTrailProps } from './audit-trail-props';
import { IndexTable } from './index-table';
import { TrailKeys } from './keys';
import type { TrailResources } from './permissions';
import { grantWitnesses } from './witness/witness-access';

/** What the functions write to: keys, archive bucket, index table, alert channel. */
export interface TrailStorage {
  keys: TrailKeys;
  archive: ArchiveBucket;
  index: IndexTable;
  alerts: AlertChannel;
}

/** The keys, the WORM archive bucket, the index table and the alert channel: what the functions write to. */
export function addStorage(scope: Construct, config: ResolvedAuditTrailProps, props: AuditTrailProps): TrailStorage {
  const keys = new TrailKeys(scope, 'Keys');
  const archive = new ArchiveBucket(scope, 'Archive', {
    retentionDays: config.retentionDays,
    dataKey: keys.dataKey,
    existingBucket: props.archiveBucket,
  });
  grantWitnesses(archive.bucket, archive.encryptionKey, props.witnesses);
  const index = new IndexTable(scope, 'Index', { dataKey: keys.dataKey });
  const alerts = new AlertChannel(scope, 'Alerts', {
    dataKey: keys.dataKey,
    existingTopic: props.alertTopic,
    email: props.alertEmail,
  });
  return { keys, archive, index, alerts };
}

/** What the grants give the functions access to. */
export function trailResources(config: ResolvedAuditTrailProps, store: TrailStorage): TrailResources {
  return {
    bucket: store.archive.bucket,
    bucketKey: store.archive.encryptionKey && store.archive.encryptionKey !== store.keys.dataKey ? store.archive.encryptionKey : undefined,
    index: store.index,
    dataKey: store.keys.dataKey,
    signingKey: store.keys.signingKey,
    topic: store.alerts.topic,
    // Organization-wide and per-account keys: the detecting functions read all their public keys.
    attestationKeys: [...config.attestationKeys, ...config.accountDetection.overrideKeys],
  };
}
