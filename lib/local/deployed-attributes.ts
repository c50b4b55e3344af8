import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KMSClient, paginateListKeys } from '@aws-sdk/client-kms';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { clientConfig, type AwsTarget } from '../aws/client-config';
import { LocalDeployError } from './deploy-errors';
import type { DeployedResource } from './resolve-deployed';

/**
 * Fn::GetAtt for the attributes the stack's handler environment and outputs
 * use, read from the service that owns the resource (not rebuilt from a
 * naming convention), so a value is what that service would hand out.
 */
export function serviceAttributeReader(target: AwsTarget, partition: string): (resource: DeployedResource, name: string) => Promise<string> {
  const cfg = clientConfig(target);
  const kms = new KMSClient(cfg);
  const sqs = new SQSClient(cfg);
  const ddb = new DynamoDBClient(cfg);
  return async (r, name) => {
    const unknown = () => new LocalDeployError('UNRESOLVABLE_VALUE', `no reader for Fn::GetAtt ${r.logicalId}.${name} (${r.type})`);
    switch (`${r.type}.${name}`) {
      case 'AWS::KMS::Key.Arn': {
        // ListKeys, not DescribeKey: moto stores the KeyPolicy of a key its
        // CloudFormation created as an object, and DescribeKey then fails (500).
        for await (const page of paginateListKeys({ client: kms }, {})) {
          const key = page.Keys?.find((k) => k.KeyId === r.physicalId);
          if (key?.KeyArn) return key.KeyArn;
        }
        throw unknown();
      }
      case 'AWS::SQS::Queue.Arn': {
        const out = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: r.physicalId, AttributeNames: ['QueueArn'] }));
        const arn = out.Attributes?.QueueArn;
        if (!arn) throw unknown();
        return arn;
      }
      case 'AWS::DynamoDB::Table.Arn': {
        const arn = (await ddb.send(new DescribeTableCommand({ TableName: r.physicalId }))).Table?.TableArn;
        if (!arn) throw unknown();
        return arn;
      }
      case 'AWS::S3::Bucket.Arn':
        // S3 has no API that returns a bucket's ARN; its form is fixed by the partition.
        return `arn:${partition}:s3:::${r.physicalId}`;
      case 'AWS::SNS::Topic.TopicArn':
        return r.physicalId;
      default:
        throw unknown();
    }
  };
}
