import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand, QueryCommand, type QueryCommandOutput } from '@aws-sdk/lib-dynamodb';
import type { AttestationLookup } from '../core/detect';
import type { AttestationData } from '../core/record';
import { K } from '../contract/table-keys';

/**
 * The artifact registry: attestations by subject (image digest or AMI id).
 * Items are looked up, never trusted: detectors verify each signature.
 */
export class AttestationStore implements AttestationLookup {
  private readonly doc: DynamoDBDocumentClient;
  constructor(
    client: DynamoDBClient,
    private readonly table: string,
  ) {
    this.doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  }

  async put(att: AttestationData): Promise<void> {
    await this.doc.send(new PutCommand({ TableName: this.table, Item: { pk: K.attestation(att.subject), sk: `${att.keyId}#${att.signedAt}`, ...att } }));
  }

  async find(subject: string): Promise<AttestationData[]> {
    const found: AttestationData[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out: QueryCommandOutput = await this.doc.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': K.attestation(subject) },
          ExclusiveStartKey: start,
        }),
      );
      for (const i of out.Items ?? []) {
        found.push({
          subject: i.subject,
          subjectType: i.subjectType,
          keyId: i.keyId,
          algorithm: i.algorithm,
          signature: i.signature,
          signer: i.signer ?? null,
          signedAt: i.signedAt,
        });
      }
      start = out.LastEvaluatedKey;
    } while (start);
    return found;
  }
}
