import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';
import { InvalidInputError } from '../../lambdas/runtime/errors';

/**
 * The prices an estimate multiplies by: one data file per region and date
 * (config/prices/<region>-<yyyy-mm>.json), so a figure can always be traced to the list price it
 * used and the page that published it. docs/COSTS.md says what each price is used for.
 */
const price = z.number().nonnegative();

/** A GB-month price per priced storage class of packs (PricedStorageClass in storage-tier-split.ts) but STANDARD, which `s3` has. */
function tierPrices() {
  return {
    STANDARD_IA: price,
    INTELLIGENT_TIERING_FREQUENT: price,
    INTELLIGENT_TIERING_INFREQUENT: price,
    INTELLIGENT_TIERING_ARCHIVE_INSTANT: price,
    GLACIER_IR: price,
    GLACIER: price,
    DEEP_ARCHIVE: price,
  };
}

export const priceTableSchema = z.strictObject({
  region: z.string().min(1),
  drRegion: z.string().min(1),
  /** When the prices were read from the sources (yyyy-mm). */
  date: z.string().regex(/^\d{4}-\d{2}(-\d{2})?$/),
  currency: z.literal('USD'),
  note: z.string().optional(),
  sources: z.array(z.string().url()).min(1),
  s3: z.strictObject({ standardPerGBMonth: price, drStandardPerGBMonth: price, putCopyPostListPer1000: price, getSelectPer1000: price }),
  /**
   * The storage classes of plans with `storage` (docs/COSTS.md, "Storage tiers"): per GB-month in the primary and the DR
   * region (Intelligent-Tiering by its access tier: packs are not read, so they go Frequent → Infrequent after 30 days →
   * Archive Instant after 90), the lifecycle transition requests into each class, and Intelligent-Tiering's monitoring.
   */
  s3Tiers: z.strictObject({
    perGBMonth: z.strictObject(tierPrices()),
    drPerGBMonth: z.strictObject(tierPrices()),
    transitionPer1000: z.strictObject({ STANDARD_IA: price, INTELLIGENT_TIERING: price, GLACIER_IR: price, GLACIER: price, DEEP_ARCHIVE: price }),
    intelligentTieringMonitoringPer1000Objects: price,
  }),
  lambda: z.strictObject({ arm64PerGBSecond: price, requestsPerMillion: price }),
  stepFunctions: z.strictObject({ standardPerThousandTransitions: price }),
  kms: z.strictObject({ perKeyMonth: price, requestsPer10000: price }),
  dynamodb: z.strictObject({ onDemandReadUnitsPerMillion: price }),
  transfer: z.strictObject({ crossRegionPerGB: price }),
  awsBackup: z.strictObject({
    warmPerGBMonth: z.strictObject({ s3: price, dynamodb: price, filesystem: price }),
    crossRegionTransferPerGB: price,
  }),
});
export type PriceTable = z.infer<typeof priceTableSchema>;

/** Where the price tables of the repository are. */
export const PRICES_DIR = path.resolve(__dirname, '..', '..', 'config', 'prices');

/** A price file that is missing, not JSON, or not a price table; the message names the file and the field. */
export class InvalidPriceTableError extends InvalidInputError {
}

export function loadPriceTable(file: string): PriceTable {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new InvalidPriceTableError(`--prices: cannot read ${file}: ${err instanceof Error ? err.message : String(err)}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new InvalidPriceTableError(`${file} is not JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
  const parsed = priceTableSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new InvalidPriceTableError(`${file} is not a price table: ${issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : parsed.error.message}`);
  }
  return parsed.data;
}

/**
 * The newest price table of a region in `dir` (file names `<region>-<yyyy-mm>.json` sort by date).
 * A region without one is an error that says how to give prices.
 */
export function priceTableFileFor(region: string, dir = PRICES_DIR): string {
  let names: string[] = [];
  try {
    names = readdirSync(dir);
  } catch {
    // No directory: the same answer as no file for the region.
  }
  const escaped = region.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const ofRegion = names.filter((n) => new RegExp(`^${escaped}-\\d{4}-\\d{2}(-\\d{2})?\\.json$`).test(n)).sort();
  const newest = ofRegion.at(-1);
  if (newest === undefined) throw new InvalidPriceTableError(`no price table for region ${region} in ${dir}: copy one of its files for ${region} and give it with --prices FILE`);
  return path.join(dir, newest);
}
