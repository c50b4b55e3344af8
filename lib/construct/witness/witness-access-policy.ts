import type { PolicyStatementJson } from '../../contract/archive-policy';

/**
 * What the archive bucket's policy grants a witness in another account, as
 * plain IAM JSON (no aws-cdk-lib: the construct and SDK-built buckets can both
 * use it): list and read the shard checkpoints and their add-checkpoint
 * requests, read tiles (a witness that wants to check more than the proof it
 * is given), and offer cosigned notes under cosignatures/. Nothing else:
 * records stay unreadable to the witness.
 */
export interface WitnessPrincipal {
  /** The witness's account. */
  readonly account: string;
  /** The witness function's role, to grant it alone. @default the whole account (its administrators then delegate) */
  readonly roleArn?: string;
}

export const witnessPrincipalArn = (w: WitnessPrincipal, partition = 'aws'): string => w.roleArn ?? `arn:${partition}:iam::${w.account}:root`;

export function witnessAccessStatements(bucketArn: string, witnesses: readonly WitnessPrincipal[], partition = 'aws'): PolicyStatementJson[] {
  return witnesses.flatMap((w, i) => statementsFor(bucketArn, { AWS: witnessPrincipalArn(w, partition) }, i));
}

function statementsFor(bucketArn: string, principal: { AWS: string }, index: number): PolicyStatementJson[] {
  return [
    {
      Sid: `WitnessListShardCheckpoints${index}`,
      Effect: 'Allow',
      Principal: principal,
      Action: ['s3:ListBucket'],
      Resource: [bucketArn],
      Condition: { StringLike: { 's3:prefix': ['checkpoints/shards/', 'checkpoints/shards/*'] } },
    },
    {
      Sid: `WitnessReadShardCheckpointsAndTiles${index}`,
      Effect: 'Allow',
      Principal: principal,
      Action: ['s3:GetObject'],
      Resource: [`${bucketArn}/checkpoints/shards/*`, `${bucketArn}/tiles/*`],
    },
    {
      Sid: `WitnessOfferCosignatures${index}`,
      Effect: 'Allow',
      Principal: principal,
      Action: ['s3:PutObject'],
      Resource: [`${bucketArn}/cosignatures/*`],
    },
  ];
}
