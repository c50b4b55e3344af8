import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { OUTBOX_ATTRIBUTE, OUTBOX_INDEX, TABLE_PARTITION_KEY, TABLE_SORT_KEY } from './table-schema';

export interface IndexTableProps {
  readonly dataKey: kms.IKey;
}

/**
 * Chain heads, the event-id dedup set and the query index in one on-demand
 * table: point-in-time recovery on, encrypted with the trail's data key,
 * deletion-protected and retained (losing a chain head would let a writer
 * restart a shard at genesis).
 */
export class IndexTable extends Construct {
  readonly table: dynamodb.Table;

  constructor(scope: Construct, id: string, props: IndexTableProps) {
    super(scope, id);
    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: TABLE_PARTITION_KEY, type: dynamodb.AttributeType.STRING },
      sortKey: { name: TABLE_SORT_KEY, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: props.dataKey,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.table.addGlobalSecondaryIndex({
      indexName: OUTBOX_INDEX,
      partitionKey: { name: OUTBOX_ATTRIBUTE, type: dynamodb.AttributeType.STRING },
      sortKey: { name: TABLE_SORT_KEY, type: dynamodb.AttributeType.STRING },
      projectionType: dynamodb.ProjectionType.ALL,
    });
  }

  /** ARN of the outbox index, for grants that must query it. */
  get outboxIndexArn(): string {
    return `${this.table.tableArn}/index/${OUTBOX_INDEX}`;
  }
}
