import { type DynamoDBClient, ScanCommand, type ScanCommandInput, type ScanCommandOutput } from '@aws-sdk/client-dynamodb';
import { isDynamoDbThrottle } from './dynamodb-throttling';
import { type ReadCapacityBudget } from './read-capacity-budget';

/**
 * The longest the scan waits for its budget without offering the reader a stop. One response of large
 * items can cost hundreds of units over its estimate: at a share of a few RCU/s, its debt is minutes of
 * waiting, past a shard's stop margin (audit b4-1: returned after the Lambda's timeout).
 */
export const BUDGET_WAIT_SLICE_MS = 1_000;

/**
 * The pages of a Scan, as paginateScan yields them, paced by a read-capacity budget: before each
 * page the budget's bucket must hold the page's estimated units (its Limit is sized to about a second
 * of the budget), the request asks for ReturnConsumedCapacity TOTAL, and the units DynamoDB reports
 * are what the bucket is charged (a response without them: the units of its items' sizes, unitsOf).
 * A throttled page is asked again after a jittered backoff, at a lower rate: the scan slows down
 * instead of failing. Retries the SDK made on its own show in $metadata.attempts and slow the bucket too.
 *
 * Where a reader may stop (shard-run.ts), the scan yields an empty page (no items; LastEvaluatedKey the
 * start of the page not read yet, or not finished with; none before a segment's first response, where a
 * reader cannot stop but may give up, out of time): after each throttle's backoff, and after every
 * BUDGET_WAIT_SLICE_MS of waiting for the budget, so a reader near its deadline stops within a slice
 * instead of after the whole debt. At the end the scan waits out any debt of its last page, in slices
 * too, so it has consumed at most its budget × its duration (see CapacityTokenBucket); a reader that
 * stops while it waits hands the debt on (debtUnits) and reads the open page again.
 */
export async function* scanPagesWithinBudget(ddb: DynamoDBClient, input: ScanCommandInput, budget: ReadCapacityBudget): AsyncGenerator<ScanCommandOutput> {
  let startKey = input.ExclusiveStartKey;
  // Before the first response of a segment read from its start there is no key: the pause says no more (a reader
  // cannot stop there), but it still lets a reader out of time give up (addDynamoDbSegment).
  const pause = (at: ScanCommandInput['ExclusiveStartKey']): ScanCommandOutput => ({ Items: [], Count: 0, ScannedCount: 0, ...(at ? { LastEvaluatedKey: at } : {}), $metadata: {} });
  for (;;) {
    const { limit, estimatedUnits } = budget.nextPage();
    const reserved = await budget.bucket.reserveWithin(estimatedUnits, BUDGET_WAIT_SLICE_MS);
    if (reserved === undefined) {
      yield pause(startKey);
      continue;
    }
    let page: ScanCommandOutput;
    try {
      page = await ddb.send(new ScanCommand({ ...input, ...(startKey ? { ExclusiveStartKey: startKey } : {}), Limit: limit, ReturnConsumedCapacity: 'TOTAL' }));
    } catch (err) {
      // A refused request consumed nothing.
      budget.bucket.settle(reserved, 0);
      if (!isDynamoDbThrottle(err)) throw err;
      await budget.bucket.throttled(`Scan of table ${input.TableName ?? '?'} (segment ${input.Segment ?? 0} of ${input.TotalSegments ?? 1})`);
      // Between backoffs too: else a reader asked to stop would wait out every throttle in a row (up to 30 backoffs of up to 20 s).
      yield pause(startKey);
      continue;
    }
    const reported = page.ConsumedCapacity?.CapacityUnits;
    // Without ConsumedCapacity (an endpoint that ignores ReturnConsumedCapacity) the items say what the page cost:
    // charging the estimate would keep the budget at its first guess however large the items are.
    const consumed = reported ?? budget.unitsOf(page.Items ?? []);
    budget.bucket.settle(reserved, reported, consumed);
    budget.bucket.succeeded(page.$metadata.attempts ?? 1);
    budget.observe(consumed, page.ScannedCount);
    yield page;
    if (!page.LastEvaluatedKey) {
      // The last page's own start: a reader that stops while its debt is waited out reads it again next stretch.
      while (!(await budget.bucket.settleDebtWithin(BUDGET_WAIT_SLICE_MS))) if (startKey) yield pause(startKey);
      return;
    }
    startKey = page.LastEvaluatedKey;
  }
}
