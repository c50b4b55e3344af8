/**
 * The witness function's environment: the AuditWitness construct sets it,
 * lib/witness/runtime.ts reads it.
 */
export const WITNESS_ENV = {
  auditBucket: 'WITNESS_AUDIT_BUCKET',
  archiveOrigin: 'WITNESS_ARCHIVE_ORIGIN',
  logPublicKey: 'WITNESS_LOG_PUBLIC_KEY',
  witnessBucket: 'WITNESS_BUCKET',
  stateTable: 'WITNESS_STATE_TABLE',
  topicArn: 'WITNESS_TOPIC_ARN',
  keyName: 'WITNESS_KEY_NAME',
  secretId: 'WITNESS_SECRET_ID',
} as const;
