import { type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type S3Client } from '@aws-sdk/client-s3';
import { protectionPlanSchema, type ProtectionPlanConfig } from '../../../../config/lifeboat-config';
import { type MirrorCheckDeps } from '../../../../lambdas/mirror/mirror-check';
import { type MirrorRecord, mirrorRecordSchema } from '../../../../lambdas/mirror/mirror-record';

/** The regions and the moment of the mirror-check suites' runs. */
export const PRIMARY = 'us-east-1';
export const DR = 'us-west-2';
export const NOW = Date.parse('2026-12-05T14:00:00Z');

/** Plan `shop` of environment `prod` with these sources (hourly objectives). */
export function shopPlans(sources: unknown[]): ProtectionPlanConfig[] {
  return [protectionPlanSchema.parse({ name: 'shop', schedule: 'rate(1 day)', strategy: 'incremental', retention: { keepLast: 7 }, objectives: { rpoMinutes: 60, rtoMinutes: 60 }, sources })];
}

/**
 * What runMirrorCheck needs, over the clients given per region, with a log that keeps the records the run writes
 * (`records`, schema-checked) after `stored`: a source's latest record is the last of either.
 */
export function recordingCheckDeps(options: {
  plans: ProtectionPlanConfig[];
  mirrorBucketPrefix: string;
  s3: (region: string) => S3Client;
  dynamodb: (region: string) => DynamoDBClient;
  stored?: MirrorRecord[];
  efs?: MirrorCheckDeps['efs'];
}): { deps: MirrorCheckDeps; records: MirrorRecord[] } {
  const records: MirrorRecord[] = [];
  const latest = (source: string) => [...(options.stored ?? []), ...records].filter((r) => r.source === source).at(-1);
  return {
    records,
    deps: {
      environment: 'prod',
      plans: options.plans,
      mirrorRegion: DR,
      sourceRegion: PRIMARY,
      mirrorBucketPrefix: options.mirrorBucketPrefix,
      s3: options.s3,
      dynamodb: options.dynamodb,
      ...(options.efs ? { efs: options.efs } : {}),
      log: { get: (source) => Promise.resolve(latest(source)), record: (r) => Promise.resolve(void records.push(mirrorRecordSchema.parse(r))) },
      now: () => NOW,
    },
  };
}

/** A clean pass of `source` 15 minutes before the run: what a failover would take the mirror on. */
export function cleanPass(source: string, type: 's3' | 'dynamodb', over: { source: string; mirror: string }, lagSeconds: number | null = null): MirrorRecord {
  return {
    environment: 'prod', source, plan: 'shop', type, mirror: over.mirror, passOver: over,
    checkedAt: '2026-12-05T13:45:00.000Z', passed: true, compared: 3, differences: 0, inFlight: 0, lagSeconds, graceSeconds: 0, cursor: '', durationMs: 5,
    passStartedAt: '2026-12-05T13:45:00.000Z', passDifferences: 0, passLagSeconds: lagSeconds, passUnfollowed: 0, cleanPassStartedAt: '2026-12-05T13:45:00.000Z', cleanPassLagSeconds: lagSeconds,
  };
}
