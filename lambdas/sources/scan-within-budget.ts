import { type DynamoDBClient, ScanCommand, type ScanCommandInput, type ScanCommandOutput } from '@aws-sdk/client-dynamodb';
import { isDynamoDbThrottle } from './dynamodb-throttling';
import { type ReadCapacityBudget } from './read-capacity-budget';

/**
 * The pages of a Scan, as paginateScan yields them, paced by a read-capacity budget: before each
 * page the budget's bucket must hold the page's estimated units (its Limit is sized to about a second
 * of the budget), the request asks for ReturnConsumedCapacity TOTAL, and the units DynamoDB reports
 * are what the bucket is charged. A throttled page is asked again after a jittered backoff, at a lower
 * rate: the scan slows down instead of failing. Retries the SDK made on its own show in
 * $metadata.attempts and slow the bucket too; after each throttle's backoff an empty page (no items, the same
 * LastEvaluatedKey) lets the reader stop between them. At the end the scan waits out any debt of its last page,
 * so it has consumed at most its budget × its duration (see CapacityTokenBucket).
 */
export async function* scanPagesWithinBudget(ddb: DynamoDBClient, input: ScanCommandInput, budget: ReadCapacityBudget): AsyncGenerator<ScanCommandOutput> {
  let startKey = input.ExclusiveStartKey;
  for (;;) {
    const { limit, estimatedUnits } = budget.nextPage();
    const reserved = await budget.bucket.reserve(estimatedUnits);
    let page: ScanCommandOutput;
    try {
      page = await ddb.send(new ScanCommand({ ...input, ...(startKey ? { ExclusiveStartKey: startKey } : {}), Limit: limit, ReturnConsumedCapacity: 'TOTAL' }));
    } catch (err) {
      // A refused request consumed nothing.
      budget.bucket.settle(reserved, 0);
      if (!isDynamoDbThrottle(err)) throw err;
      await budget.bucket.throttled(`Scan of table ${input.TableName ?? '?'} (segment ${input.Segment ?? 0} of ${input.TotalSegments ?? 1})`);
      // An empty page between backoffs, where the scan goes on after `startKey`: a reader asked to stop (a resumable
      // stretch near its deadline) may stop here instead of after every throttle in a row (up to 30 backoffs of up to 20 s).
      if (startKey) yield { Items: [], Count: 0, ScannedCount: 0, LastEvaluatedKey: startKey, $metadata: {} };
      continue;
    }
    const consumed = page.ConsumedCapacity?.CapacityUnits;
    budget.bucket.settle(reserved, consumed);
    budget.bucket.succeeded(page.$metadata.attempts ?? 1);
    budget.observe(consumed, page.ScannedCount);
    yield page;
    startKey = page.LastEvaluatedKey;
    if (!startKey) break;
  }
  await budget.bucket.settleDebt();
}
