import { type BucketClock, CapacityTokenBucket } from './capacity-token-bucket';
import { type DynamoDbItem, encodeItemText } from './dynamodb-item-codec';

/** One read capacity unit reads 4 KB with a strongly consistent read, twice that eventually consistent (Scan sums the items' sizes, then rounds up). */
export const BYTES_PER_READ_UNIT = 4096;
/** What an item is taken to weigh before the first page says otherwise (DescribeTable's average is better, when the table has one). */
const DEFAULT_ITEM_BYTES = 1024;
/** A Scan page is about this much of the budget, so a page never overshoots the budget by much … */
const PAGE_SECONDS = 1;
/** … and at most 1 MB of items, which is where DynamoDB ends a Scan page anyway (256 RCU consistent). */
const MAX_PAGE_BYTES = 1024 * 1024;
const MAX_PAGE_ITEMS = 10_000;

export type ReadCapacityBudgetOptions = {
  /** This scan's share of the source's read budget (the planner divides it among the segments that run at once). */
  unitsPerSecond: number;
  /** The table's average item size (DescribeTable TableSizeBytes ÷ ItemCount), to size the first page. */
  averageItemBytes?: number | undefined;
  /** Whether the scan reads consistently (1 RCU per 4 KB) or not (half that). */
  consistentRead: boolean;
  clock?: BucketClock;
  random?: () => number;
  /** The debt the scan's previous stretch ended with (CapacityTokenBucketOptions.initialDebtUnits). */
  initialDebtUnits?: number | undefined;
};

/** The next Scan request: how many items to ask for, and the read units that should cost. */
export type ScanPageSize = { limit: number; estimatedUnits: number };

/**
 * The read-capacity budget of one scan: a token bucket of read units (capacity-token-bucket.ts) and
 * the page sizing that keeps each page near a second of the budget. Units per item are learnt from
 * the ConsumedCapacity of each page, or where a response has none from its items' sizes (unitsOf;
 * items vary in size; the table's average is only a start).
 */
export class ReadCapacityBudget {
  readonly bucket: CapacityTokenBucket;
  private readonly unitScale: number;
  private readonly pageUnits: number;
  private unitsPerItem: number;

  constructor(options: ReadCapacityBudgetOptions) {
    // An eventually consistent read costs half, and the smallest page costs half a unit.
    this.unitScale = options.consistentRead ? 1 : 0.5;
    const maxPageUnits = (MAX_PAGE_BYTES / BYTES_PER_READ_UNIT) * this.unitScale;
    this.pageUnits = Math.min(maxPageUnits, Math.max(this.unitScale, options.unitsPerSecond * PAGE_SECONDS));
    const itemBytes = options.averageItemBytes && options.averageItemBytes > 0 ? options.averageItemBytes : DEFAULT_ITEM_BYTES;
    this.unitsPerItem = (itemBytes / BYTES_PER_READ_UNIT) * this.unitScale;
    this.bucket = new CapacityTokenBucket({
      unitsPerSecond: options.unitsPerSecond,
      minBurstUnits: this.pageUnits,
      ...(options.clock ? { clock: options.clock } : {}),
      ...(options.random ? { random: options.random } : {}),
      ...(options.initialDebtUnits ? { initialDebtUnits: options.initialDebtUnits } : {}),
    });
  }

  /** The next page's Limit, sized to the page's share of the budget from the units per item seen so far. */
  nextPage(): ScanPageSize {
    const limit = Math.max(1, Math.min(MAX_PAGE_ITEMS, Math.floor(this.pageUnits / this.unitsPerItem)));
    // Scan rounds the page's bytes up to whole units (half units eventually consistent).
    const estimatedUnits = Math.max(this.unitScale, Math.ceil((limit * this.unitsPerItem) / this.unitScale) * this.unitScale);
    return { limit, estimatedUnits };
  }

  /**
   * The read units a page of these items costs by DynamoDB's rule for Scan (the items' sizes summed, rounded up
   * to whole units, half units eventually consistent), each item measured by its canonical text, a little
   * above DynamoDB's own measure: what a response without ConsumedCapacity is charged and learnt from.
   */
  unitsOf(items: readonly DynamoDbItem[]): number {
    const bytes = items.reduce((sum, item) => sum + Buffer.byteLength(encodeItemText(item)), 0);
    return Math.max(this.unitScale, Math.ceil(bytes / BYTES_PER_READ_UNIT) * this.unitScale);
  }

  /** Learns from a page: the units it consumed over the items it read (ScannedCount, filtered or not). */
  observe(consumedUnits: number | undefined, scannedCount: number | undefined): void {
    if (consumedUnits === undefined || !scannedCount) return;
    // Half the last page, half the history: one page of outsized items does not swing the Limit far.
    this.unitsPerItem = (this.unitsPerItem + consumedUnits / scannedCount) / 2;
  }
}
