import { type PriceTable, priceTableSchema } from '../../cli/estimate/price-table';

/**
 * A fixed price table (us-east-1, dated 2026-11), the same for every run, for the
 * tests whose dollar figures are worked out by hand: the estimate's (docs/COSTS.md, "A worked
 * example") and the scale model's (docs/SCALE.md). Parsed by the schema the shipped tables pass.
 */
export const FIXED_PRICES: PriceTable = priceTableSchema.parse({
  region: 'us-east-1',
  drRegion: 'us-west-2',
  date: '2026-11',
  currency: 'USD',
  sources: ['https://aws.amazon.com/s3/pricing/'],
  s3: { standardPerGBMonth: 0.023, drStandardPerGBMonth: 0.023, putCopyPostListPer1000: 0.005, getSelectPer1000: 0.0004 },
  s3Tiers: {
    perGBMonth: { STANDARD_IA: 0.0125, INTELLIGENT_TIERING_FREQUENT: 0.023, INTELLIGENT_TIERING_INFREQUENT: 0.0125, INTELLIGENT_TIERING_ARCHIVE_INSTANT: 0.004, GLACIER_IR: 0.004, GLACIER: 0.0036, DEEP_ARCHIVE: 0.00099 },
    drPerGBMonth: { STANDARD_IA: 0.0125, INTELLIGENT_TIERING_FREQUENT: 0.023, INTELLIGENT_TIERING_INFREQUENT: 0.0125, INTELLIGENT_TIERING_ARCHIVE_INSTANT: 0.004, GLACIER_IR: 0.004, GLACIER: 0.0036, DEEP_ARCHIVE: 0.00099 },
    transitionPer1000: { STANDARD_IA: 0.01, INTELLIGENT_TIERING: 0.01, GLACIER_IR: 0.02, GLACIER: 0.03, DEEP_ARCHIVE: 0.05 },
    intelligentTieringMonitoringPer1000Objects: 0.0025,
  },
  lambda: { arm64PerGBSecond: 0.0000133334, requestsPerMillion: 0.2 },
  stepFunctions: { standardPerThousandTransitions: 0.025 },
  kms: { perKeyMonth: 1, requestsPer10000: 0.03 },
  dynamodb: { onDemandReadUnitsPerMillion: 0.125 },
  transfer: { crossRegionPerGB: 0.02 },
  awsBackup: { warmPerGBMonth: { s3: 0.05, dynamodb: 0.1, filesystem: 0.05 }, crossRegionTransferPerGB: 0.02 },
});
