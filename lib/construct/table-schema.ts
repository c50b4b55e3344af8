import { K, OUTBOX_PK_PREFIX } from '../contract/table-keys';
/**
 * The DynamoDB table's key schema as the stack creates it. CDK-free: handlers
 * and the CLI import these names instead of repeating string literals.
 */
export const TABLE_PARTITION_KEY = 'pk';
export const TABLE_SORT_KEY = 'sk';

/**
 * Sparse index of alerts not yet published to SNS: an item carries the
 * `outbox` attribute only until its alert is published, so the index holds
 * exactly the pending ones.
 */
export { OUTBOX_INDEX } from '../contract/table-keys';
export const OUTBOX_ATTRIBUTE = 'outbox';

/**
 * Partition key prefix of attestation items. grantAttest() lets a CI role put
 * items only under this prefix (dynamodb:LeadingKeys), so a pipeline can
 * register attestations but can never touch chain heads or the index.
 */
export const ATTESTATION_PARTITION_PREFIX = K.attestation('');

/**
 * Partition key prefix of outbox items (alert batches and suppression
 * digests), the only items any role may delete (once published): the
 * writers' DeleteItem grant is limited to it (dynamodb:LeadingKeys).
 */
export const OUTBOX_PARTITION_PREFIX = OUTBOX_PK_PREFIX;
