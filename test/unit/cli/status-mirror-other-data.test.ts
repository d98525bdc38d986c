import { mirrorBucketPrefixOf, planMirrors } from '../../../cli/status/plan-mirrors';
import { type ProtectionPlanConfig } from '../../../config/lifeboat-config';
import { chooseSourceCopy } from '../../../lambdas/mirror/mirror-choice';
import { type MirrorRecord, mirrorRecordSchema } from '../../../lambdas/mirror/mirror-record';

/**
 * `lifeboat status` and a failover judge a mirror check of other data alike (review r7 F3): after the source's
 * prefix, bucket or table (or its mirror) changed, the last check's clean pass is about other data, and the
 * failover restores from the DR vault, so status must not show the mirror within its objectives.
 */
const T0 = Date.parse('2026-12-05T12:00:00.000Z');
const at = (ms: number) => new Date(T0 + ms).toISOString();
const MIRRORS = mirrorBucketPrefixOf({ name: 'prod' });

/** A clean record of a check over `passOver`, five minutes old. */
const record = (passOver: { source: string; mirror: string } | undefined, mirror = `s3://${MIRRORS}app/logs/`): MirrorRecord =>
  mirrorRecordSchema.parse({
    environment: 'prod', source: 'app', plan: 'web', type: 's3', mirror, checkedAt: at(-300_000), graceSeconds: 900, passed: true, compared: 1, differences: 0, inFlight: 0,
    lagSeconds: 0, cursor: '', durationMs: 5, passStartedAt: at(-300_000), passDifferences: 0, passLagSeconds: 0, passUnfollowed: 0, cleanPassStartedAt: at(-300_000), cleanPassLagSeconds: 0, unresolved: [],
    ...(passOver ? { passOver } : {}),
  });

const plan = (prefix: string) =>
  ({ name: 'web', objectives: { rpoMinutes: 60, rtoMinutes: 60 }, sources: [{ type: 's3', name: 'app', bucket: 'app-state', prefix, mirror: true }] }) as unknown as ProtectionPlanConfig;

const status = async (p: ProtectionPlanConfig, check: MirrorRecord, mirrorBucketPrefix?: string) => {
  const { mirrors } = await planMirrors({ plan: p, mirrorCheck: () => Promise.resolve(check), schedule: { expression: 'rate(15 minutes)', name: 'lifeboat-prod-mirror-check' }, ...(mirrorBucketPrefix !== undefined ? { mirrorBucketPrefix } : {}), now: new Date(T0 + 30_000) });
  return mirrors[0];
};
const failover = (p: ProtectionPlanConfig, check: MirrorRecord) =>
  chooseSourceCopy(p.sources[0] as ProtectionPlanConfig['sources'][number], check, { rpoMinutes: 60, startedAt: T0 + 30_000, mirrorBucketPrefix: MIRRORS, useMirrors: true });

it('a clean check of prefix logs/ while the configuration says archive/2026/: status is not within its objectives, as the failover refuses it', async () => {
  const check = record({ source: 's3://app-state/logs/', mirror: `s3://${MIRRORS}app/logs/` });
  const moved = plan('archive/2026/');
  expect(failover(moved, check).use).toBe('vault');
  const s = await status(moved, check, MIRRORS);
  // Before this fix: withinObjectives true, reasons [], a data age of 330 s.
  expect(s).toEqual(expect.objectContaining({ withinObjectives: false, lagOverRpo: false }));
  expect(s?.dataAgeSeconds).toBeUndefined();
  expect(s?.reasons).toEqual([
    `mirror of app (s3://${MIRRORS}app/logs/): the last check (${at(-300_000)}) covered other data: it compared s3://app-state/logs/ with s3://${MIRRORS}app/logs/, ` +
      `not s3://app-state/archive/2026/ with s3://${MIRRORS}app/archive/2026/ as configured now, so a failover restores from the DR vault: ` +
      'the next mirror check starts a new pass over the source, and the mirror counts once a pass over it ends clean',
  ]);
  // The same source as configured: within, as the failover takes the mirror.
  expect(failover(plan('logs/'), check).use).toBe('mirror');
  expect(await status(plan('logs/'), check, MIRRORS)).toEqual(expect.objectContaining({ withinObjectives: true, reasons: [] }));
});

it('another mirror of the same source data, and a record of an earlier version (no passOver) of another prefix, are other data too', async () => {
  const otherMirror = record({ source: 's3://app-state/logs/', mirror: 's3://lifeboat-old-mirror-app/logs/' });
  expect(failover(plan('logs/'), otherMirror).use).toBe('vault');
  expect(await status(plan('logs/'), otherMirror, MIRRORS)).toEqual(expect.objectContaining({ withinObjectives: false, reasons: [expect.stringContaining('covered other data')] }));

  const legacy = record(undefined);
  expect(failover(plan('archive/2026/'), legacy).use).toBe('vault');
  // Without the mirror buckets' prefix, a record of an earlier version is compared by its prefix.
  expect(await status(plan('archive/2026/'), legacy)).toEqual(expect.objectContaining({ withinObjectives: false, reasons: [expect.stringContaining(`compared s3://${MIRRORS}app/logs/, not s3://app-state/archive/2026/ as configured now`)] }));
  expect(await status(plan('logs/'), legacy)).toEqual(expect.objectContaining({ withinObjectives: true }));
});
