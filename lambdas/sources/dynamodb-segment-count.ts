import { type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type DynamoDbTableSourceConfig } from '../../config/lifeboat-config';

/** Parallel-scan segments per table at most (a Scan segment is cheap to split, but each costs a Lambda). */
const MAX_DYNAMODB_SEGMENTS = 4;

/**
 * How many parallel-scan segments (one shard each) a table's backup gets. Today's rule: the plan's
 * concurrency, at most 4. Kept behind this one function (and file) so that a rule sized by the
 * table (DescribeTable's size; the dynamo-budget work of issue 16) replaces it without touching the
 * planner; the client and source are here for that rule.
 */
export async function dynamoDbSegmentCount(_ddb: DynamoDBClient, _source: DynamoDbTableSourceConfig, plan: { maxConcurrency: number }): Promise<number> {
  return Promise.resolve(Math.max(1, Math.min(plan.maxConcurrency, MAX_DYNAMODB_SEGMENTS)));
}
