import { ConditionalCheckFailedException, DynamoDBClient, GetItemCommand, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import type { WitnessRefusalCode } from '../core/witness/errors';

/**
 * What the witness remembers per log origin, one DynamoDB item each. `size`
 * and `root` are the latest checkpoint it cosigned; `lastKey` the request it
 * came from (the next run lists after it); `time` the cosignature's time, so
 * that the same cosigned note can be rebuilt byte for byte if the run stopped
 * before storing it (`published` false). A `refusal` stops the witness for
 * that origin until a person removes it (after looking at the alert).
 */
export interface Refusal {
  code: WitnessRefusalCode;
  message: string;
  key: string;
  at: string;
}

export interface WitnessState {
  origin: string;
  size: number;
  /** base64 */
  root: string;
  lastKey: string;
  time: number;
  published: boolean;
  refusal?: Refusal;
}

export interface WitnessStateStore {
  get(origin: string): Promise<WitnessState | null>;
  /** Compare-and-swap on (size, lastKey): false when another run moved the state first. */
  advance(prev: WitnessState | null, next: WitnessState): Promise<boolean>;
  markPublished(state: WitnessState): Promise<void>;
  /** Records a refusal, unless one is there already (the first reason is the one a person needs). */
  refuse(origin: string, refusal: Refusal): Promise<void>;
}

const isConditionFailure = (err: unknown): boolean => err instanceof ConditionalCheckFailedException;

export class DynamoWitnessStateStore implements WitnessStateStore {
  constructor(
    private readonly ddb: DynamoDBClient,
    private readonly table: string,
  ) {}

  async get(origin: string): Promise<WitnessState | null> {
    const out = await this.ddb.send(new GetItemCommand({ TableName: this.table, Key: { origin: { S: origin } }, ConsistentRead: true }));
    const i = out.Item;
    if (!i) return null;
    const state: WitnessState = {
      origin,
      size: Number(i.size?.N ?? '0'),
      root: i.root?.S ?? '',
      lastKey: i.lastKey?.S ?? '',
      time: Number(i.time?.N ?? '0'),
      published: i.published?.BOOL ?? true,
    };
    if (i.refusal?.S) state.refusal = JSON.parse(i.refusal.S) as Refusal;
    return state;
  }

  async advance(prev: WitnessState | null, next: WitnessState): Promise<boolean> {
    try {
      await this.ddb.send(
        new PutItemCommand({
          TableName: this.table,
          Item: {
            origin: { S: next.origin },
            size: { N: String(next.size) },
            root: { S: next.root },
            lastKey: { S: next.lastKey },
            time: { N: String(next.time) },
            published: { BOOL: next.published },
          },
          ...(prev === null
            ? { ConditionExpression: 'attribute_not_exists(origin)' }
            : {
                ConditionExpression: '#s = :size AND lastKey = :key AND attribute_not_exists(refusal)',
                ExpressionAttributeNames: { '#s': 'size' },
                ExpressionAttributeValues: { ':size': { N: String(prev.size) }, ':key': { S: prev.lastKey } },
              }),
        }),
      );
      return true;
    } catch (err) {
      if (isConditionFailure(err)) return false;
      throw err;
    }
  }

  async markPublished(state: WitnessState): Promise<void> {
    try {
      await this.ddb.send(
        new UpdateItemCommand({
          TableName: this.table,
          Key: { origin: { S: state.origin } },
          UpdateExpression: 'SET published = :t',
          ConditionExpression: 'lastKey = :key',
          ExpressionAttributeValues: { ':t': { BOOL: true }, ':key': { S: state.lastKey } },
        }),
      );
    } catch (err) {
      // A later run already advanced past this state: nothing to mark.
      if (!isConditionFailure(err)) throw err;
    }
  }

  async refuse(origin: string, refusal: Refusal): Promise<void> {
    try {
      await this.ddb.send(
        new UpdateItemCommand({
          TableName: this.table,
          Key: { origin: { S: origin } },
          UpdateExpression: 'SET refusal = :r',
          ConditionExpression: 'attribute_not_exists(refusal)',
          ExpressionAttributeValues: { ':r': { S: JSON.stringify(refusal) } },
        }),
      );
    } catch (err) {
      if (!isConditionFailure(err)) throw err;
    }
  }
}
