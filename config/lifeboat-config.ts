import * as path from 'node:path';
import { z } from 'zod';
import { failoverBucketNameIssue } from './failover-target-name';
import { kmsKeyArnSchema, sourceKeyRegionIssue } from './kms-key-arn';
import { functionMemoryIssue } from './lifeboat-handlers';
import { ownedNamePatternOverlap } from './name-pattern-overlap';
import { reservedSourceNameIssues, type ReservedNameOwner } from './reserved-source-names';
import { InvalidRetentionDurationError, parseRetentionDuration } from './retention-duration';
import { nextFireTime } from './next-fire-time';
import { canonicalScheduleExpression, InvalidScheduleExpressionError, parseScheduleExpression } from './schedule-expression';
import { MIN_SCRUB_FRACTION_MESSAGE, isBelowMinScrubFraction } from './scrub-fraction';
import { storageTiersSchema } from './storage-tiers';
import { isKnownTimeZone } from './time-zone';

/**
 * The description of what Lifeboat protects, per environment. Validated with zod before synth so a
 * bad config fails with the path of the offending field (see `parseLifeboatConfig`).
 */

const awsRegion = z.string().regex(/^[a-z]{2}(-gov)?-[a-z]+-\d$/, 'must be an AWS region such as us-east-1');
/**
 * The names a config gives its plans, environments and other resources: 2-32 lowercase letters, digits or dashes. The
 * doctor reads a catalog record's plan against it too: only a name of this form is printed whole in a command.
 */
export const RESOURCE_NAME_PATTERN = /^[a-z][a-z0-9-]{0,30}[a-z0-9]$/;
const resourceName = z.string().regex(RESOURCE_NAME_PATTERN, 'must be 2-32 lowercase letters, digits or dashes, starting with a letter');

/** Where the EFS access point is mounted in the functions unless the config says otherwise. */
export const DEFAULT_MOUNT_PATH = '/mnt/lifeboat';

/** Whether an absolute path is `dir` or lies below it (after resolving `.` and `..`). */
export function isAtOrUnder(absolutePath: string, dir: string): boolean {
  const p = path.posix.normalize(absolutePath).replace(/\/+$/, '');
  const d = path.posix.normalize(dir).replace(/\/+$/, '');
  return p === d || p.startsWith(`${d}/`);
}

/**
 * EventBridge Scheduler expression: rate(...), cron(...) or at(...), checked field by field as
 * Scheduler checks it (so synth fails, not the deploy), and given on in its canonical spacing
 * (canonicalScheduleExpression: a stray space copied into the config never reaches a template).
 */
const scheduleExpression = z
  .string()
  .superRefine((text, ctx) => {
    let parsed: ReturnType<typeof parseScheduleExpression>;
    try {
      parsed = parseScheduleExpression(text);
    } catch (err) {
      if (!(err instanceof InvalidScheduleExpressionError)) throw err;
      ctx.addIssue({ code: 'custom', message: `${err.field}: ${err.reason}` });
      return;
    }
    // A cron every field of which is valid may still select no day at all (30 February, 31 April): Scheduler accepts
    // it and it never fires (audit R25 F2). Decided for every year from a fixed instant, never from the clock: a config
    // valid today must load tomorrow too (the Lambdas parse their plans with this schema; review 42e F1). A cron whose
    // listed years have passed loads, and `lifeboat status` says it never fires again.
    if (parsed.kind === 'cron') {
      const since = new Date(Date.UTC(2000, 0, 1));
      const everyYear = { ...parsed, years: new Set(Array.from({ length: 200 }, (_, i) => 2000 + i)) };
      if (nextFireTime(everyYear, since, { timezone: 'UTC', createdAt: since }) === undefined) {
        ctx.addIssue({ code: 'custom', message: 'never fires: no day the day-of-month, month and day-of-week fields select exists in any year' });
      }
    }
  })
  .transform(canonicalScheduleExpression);

export const s3BucketSourceSchema = z.strictObject({
  type: z.literal('s3'),
  /** Name a source is known by in the catalog and in restore runbooks. */
  name: resourceName,
  bucket: z.string().min(3).max(63),
  prefix: z.string().default(''),
  /**
   * The account that owns the bucket, when it is not the environment's: IAM grants (s3:ResourceAccount)
   * and every S3 call (ExpectedBucketOwner) name it, so a bucket of that name in any other account is refused.
   */
  account: z.string().regex(/^\d{12}$/, 'must be a 12-digit AWS account id').optional(),
  /**
   * The customer managed KMS key of the bucket's SSE-KMS encryption (its ARN, of the primary region): the functions that
   * read or write the bucket get kms:Decrypt (and, where they write, GenerateDataKey) on it, which S3 needs of the caller
   * for every object encrypted with it. Absent: the functions get no KMS key of the bucket, and read only objects under
   * SSE-S3, or under the AWS managed aws/s3 key of the bucket's own account (whose key policy admits them without IAM).
   */
  kmsKeyArn: kmsKeyArnSchema.optional(),
  /**
   * A live copy in the DR region through S3 Replication (docs/ARCHITECTURE.md, "Mirrors"): `true`, or
   * `{ deleteMarkers: false }` to keep objects deleted from the source in the mirror.
   */
  mirror: z.union([z.boolean(), z.strictObject({ deleteMarkers: z.boolean().default(true) })]).optional(),
  /**
   * Plan from the bucket's S3 Inventory instead of listing it (docs/SCALE.md): the newest CSV report
   * delivered to s3://<bucket>/<prefix>/<source bucket>/<configId>/<date>/manifest.json. Only the
   * shard boundaries come from it; each shard still lists its own key range, so a report a day old
   * costs balance, never coverage. `configId` may be left out when the source bucket has one configuration there.
   */
  inventory: z
    .strictObject({
      bucket: z.string().min(3).max(63),
      prefix: z.string().default(''),
      configId: z.string().min(1).optional(),
      /**
       * The customer managed KMS key the inventory configuration encrypts its reports with (its SSE-KMS setting; it may
       * differ from the inventory bucket's default key): the plan function gets kms:Decrypt on it. Absent: no key is
       * granted, and only reports under SSE-S3 (or the bucket's AWS managed aws/s3 key) can be read.
       */
      kmsKeyArn: kmsKeyArnSchema.optional(),
    })
    .optional(),
});

const shareOfProvisioned = z.number().gt(0, 'must be above 0').max(1, 'must be at most 1 (all of the provisioned capacity)');
const unitsPerSecond = z.number().positive('must be above 0');

/**
 * How much of a table's read capacity its backup may use (docs/ARCHITECTURE.md, "DynamoDB at scale").
 * Provisioned tables: `shareOfProvisioned` of the provisioned RCU (default 0.25), capped by
 * `readUnitsPerSecond` if given. On-demand tables: `readUnitsPerSecond` (default 1,500), or the share of
 * the table's maximum read request units when it has one.
 */
export const readBudgetSchema = z.strictObject({
  shareOfProvisioned: shareOfProvisioned.optional(),
  readUnitsPerSecond: unitsPerSecond.optional(),
});
export type ReadBudgetConfig = z.infer<typeof readBudgetSchema>;

/** The same for the writes of a restore into a table (defaults differ for a table the restore created: docs/ARCHITECTURE.md). */
export const writeBudgetSchema = z.strictObject({
  shareOfProvisioned: shareOfProvisioned.optional(),
  writeUnitsPerSecond: unitsPerSecond.optional(),
});
export type WriteBudgetConfig = z.infer<typeof writeBudgetSchema>;

export const dynamoDbTableSourceSchema = z.strictObject({
  type: z.literal('dynamodb'),
  name: resourceName,
  table: z.string().min(3).max(255),
  /**
   * The customer managed KMS key the table is encrypted with (its ARN, of the primary region): the snapshot shard gets
   * kms:Decrypt and DescribeKey on it, and a restore into a new table from the primary region kms:CreateGrant and
   * DescribeKey to create that table under the same key, all only through DynamoDB (kms:ViaService). Absent: the
   * functions get no key of the table, which works while the key's policy admits them by itself (the AWS owned and the
   * AWS managed aws/dynamodb keys do); a restore into a new table then falls back to aws/dynamodb when refused.
   */
  kmsKeyArn: kmsKeyArnSchema.optional(),
  /** A live copy in the DR region: a global-table replica there (docs/ARCHITECTURE.md, "Mirrors"). */
  mirror: z.boolean().optional(),
  /** The read capacity a backup of the table may use; absent: the defaults (25 % of provisioned RCU, 1,500 RCU/s on-demand). */
  readBudget: readBudgetSchema.optional(),
  /** The write capacity a restore of this source may use. */
  writeBudget: writeBudgetSchema.optional(),
  /**
   * Parallel-scan segments of every backup, instead of a count from the table's size and the read budget
   * (DescribeTable's TableSizeBytes, which AWS refreshes about every six hours: a table loaded since is planned by its older size).
   */
  scanSegments: z.number().int('must be a whole number').min(1, 'must be 1 or more').max(1000, 'must be at most 1000').optional(),
});

export const fileSystemSourceSchema = z.strictObject({
  type: z.literal('filesystem'),
  name: resourceName,
  /** Absolute path as the snapshot Lambda sees it (an EFS mount point in AWS, a directory locally). */
  path: z
    .string()
    .startsWith('/', 'must be an absolute path')
    .refine((p) => !p.split('/').some((s) => s === '..' || s === '.'), {
      message: 'must not contain "." or ".." segments (the kernel resolves ".." through symlinks, and locally ".." could leave the fs/ root); give the plain absolute path',
    }),
  /** A live copy in the DR region: EFS replication of the environment's file system (docs/ARCHITECTURE.md, "Mirrors"). */
  mirror: z.boolean().optional(),
});

export const sourceSchema = z.discriminatedUnion('type', [s3BucketSourceSchema, dynamoDbTableSourceSchema, fileSystemSourceSchema]);

const keepCount = z.number().int('must be a whole number').min(0, 'must be 0 or more');

/** A retention duration ("36h", "7d", "2w", "6m", "1y"), checked as the retention decision parses it. */
const retentionDuration = z.string().superRefine((text, ctx) => {
  try {
    parseRetentionDuration(text);
  } catch (err) {
    if (!(err instanceof InvalidRetentionDurationError)) throw err;
    ctx.addIssue({ code: 'custom', message: err.message });
  }
});

/** The rules that keep backups; a policy needs at least one of them (minAge alone would forget everything older). */
export const RETENTION_KEEP_RULES = ['keepLast', 'keepHourly', 'keepDaily', 'keepWeekly', 'keepMonthly', 'keepYearly', 'keepWithin'] as const;

/**
 * Which backups of a plan a vault keeps (docs/RUNBOOKS.md, "Retention"): the union of every rule,
 * restic's `forget` policy. Buckets (hourly … yearly) are counted in `timeZone`; `minAge` protects
 * young backups from every rule's verdict; a legal hold on a backup keeps it whatever the policy.
 */
export const retentionSchema = z
  .strictObject({
    keepLast: z.number().int('must be a whole number').min(1, 'must be 1 or more (leave it out to keep none by count)').optional(),
    keepHourly: keepCount.optional(),
    keepDaily: keepCount.optional(),
    keepWeekly: keepCount.optional(),
    keepMonthly: keepCount.optional(),
    keepYearly: keepCount.optional(),
    /** Every backup started within this duration before the newest one ("7d"). */
    keepWithin: retentionDuration.optional(),
    /** Backups younger than this are never forgotten, whatever the rules say ("1d"). */
    minAge: retentionDuration.optional(),
    /** IANA time zone the hour/day/week/month/year buckets are counted in. @default UTC */
    timeZone: z
      .string()
      .refine(isKnownTimeZone, { message: 'is not a time zone this runtime knows: give an IANA name such as "UTC" or "Europe/Berlin"' })
      .optional(),
  })
  .refine(
    (r) =>
      RETENTION_KEEP_RULES.some((rule) => {
        const value = r[rule];
        if (value === undefined) return false;
        if (typeof value === 'number') return value > 0;
        return wholeDurationIsPositive(value);
      }),
    { message: 'must keep something: set keepLast, keepHourly, keepDaily, keepWeekly, keepMonthly, keepYearly or keepWithin' },
  );

function wholeDurationIsPositive(text: string): boolean {
  try {
    const d = parseRetentionDuration(text);
    return d.years + d.months + d.days + d.hours > 0;
  } catch {
    // Already reported by the field's own check.
    return true;
  }
}
export type RetentionConfig = z.infer<typeof retentionSchema>;

/**
 * A plan's drill: when it runs, which backup it picks, from which vault, and how many entries it
 * compares with the live source. The schedule `<prefix>-drill-<plan>` starts `<prefix>-drill` in the
 * vault's region with `{ "plan": "<plan>" }`; the drill reads the rest from the plan.
 */
export const drillSchema = z.strictObject({
  schedule: scheduleExpression,
  /** `latest`: the newest committed (and, from the DR vault, replicated) backup; `random-within-window`: any of the window's. */
  selection: z.enum(['latest', 'random-within-window']).default('latest'),
  /** The window of `random-within-window`, and of the RPO's largest gap between backups. */
  windowDays: z.number().int().min(1).max(3650).default(7),
  vault: z.enum(['dr', 'primary']).default('dr'),
  /** Entries per source compared with the live source (only those unchanged since the backup). */
  samples: z.number().int().min(0).max(10_000).default(10),
});
export type DrillConfig = z.infer<typeof drillSchema>;

/**
 * The mirror check `<prefix>-mirror-check` (DR region): when it runs and how many entries per mirrored
 * source it compares each run (successive runs walk on from where the last one stopped).
 */
export const mirrorCheckSchema = z.strictObject({
  schedule: scheduleExpression.optional(),
  samples: z.number().int().min(1).max(100_000).optional(),
});
export type MirrorCheckConfig = z.infer<typeof mirrorCheckSchema>;

/** Whether a source is mirrored, and whether deletions reach its mirror (S3 only; the others always follow the source). */
export function mirrorOf(source: { type: string; mirror?: boolean | { deleteMarkers: boolean } | undefined }): { deleteMarkers: boolean } | undefined {
  const m = source.mirror;
  if (m === undefined || m === false) return undefined;
  return m === true ? { deleteMarkers: true } : { deleteMarkers: m.deleteMarkers };
}

export const protectionPlanSchema = z.strictObject({
  name: resourceName,
  sources: z.array(sourceSchema).min(1, 'a plan protects at least one source'),
  schedule: scheduleExpression,
  strategy: z.enum(['full', 'incremental', 'differential']),
  retention: retentionSchema,
  /** The DR vault's policy (it may keep longer); absent: the DR vault follows `retention`. */
  drRetention: retentionSchema.optional(),
  /** Fractions of a minute are allowed (a drill's test of a one-second RTO: 1/60). */
  objectives: z.strictObject({
    rpoMinutes: z.number().positive(),
    rtoMinutes: z.number().positive(),
  }),
  /** Upper bound of concurrent snapshot shards (the Map state's MaxConcurrency). */
  maxConcurrency: z.number().int().min(1).max(1000).default(8),
  /** The scheduled restore-and-verify drill of the plan (docs/RUNBOOKS.md, "Drill"); absent: drills run only when started. */
  drill: drillSchema.optional(),
  /** Storage classes of the packs the plan's backups write, after some days (config/storage-tiers.ts); absent: they stay in S3 Standard. */
  storage: storageTiersSchema.optional(),
});

/** An EC2 resource id: the prefix, then 8 or 17 hex digits. */
const ec2Id = (prefix: string, what: string) => z.string().regex(new RegExp(`^${prefix}-([0-9a-f]{8}|[0-9a-f]{17})$`), `must be ${what} id such as ${prefix}-0123456789abcdef0`);

/**
 * The Amazon EFS file system that holds an environment's file-system sources in AWS, mounted through
 * one access point into the functions that read or write files (docs/ARCHITECTURE.md, "File systems
 * in AWS (EFS)"). Everything is imported by id: Lifeboat creates no VPC, file system or access point.
 */
const efsAccessSchema = z.strictObject({
  fileSystemId: z.string().regex(/^fs-[0-9a-f]{8,40}$/, 'must be an EFS file system id such as fs-0123456789abcdef0'),
  accessPointId: z.string().regex(/^fsap-[0-9a-f]{8,40}$/, 'must be an EFS access point id such as fsap-0123456789abcdef0'),
  /** The VPC of the mount targets; the functions that mount the file system run in it. */
  vpcId: ec2Id('vpc', 'a VPC'),
  /** Subnets of that VPC for the functions (a mount target in each one's Availability Zone; at most 16, Lambda's limit). */
  subnetIds: z
    .array(ec2Id('subnet', 'a subnet'))
    .min(1, 'the functions need at least one subnet')
    .max(16, 'Lambda accepts at most 16 subnets')
    .refine((ids) => new Set(ids).size === ids.length, { message: 'subnet ids must be unique' }),
  /** The security group of the EFS mount targets: the stack allows NFS (TCP 2049) into it from the functions' own group. */
  securityGroupId: ec2Id('sg', 'a security group'),
  /** Where the functions see the access point's root; Lambda requires one directory directly under /mnt/. */
  mountPath: z
    .string()
    .regex(/^\/mnt\/[A-Za-z0-9._-]+$/, 'must be one directory directly under /mnt/, such as /mnt/lifeboat (Lambda mounts file systems there)')
    .max(160, 'Lambda accepts a mount path of at most 160 characters')
    .refine((p) => p !== '/mnt/.' && p !== '/mnt/..', { message: 'must name a directory under /mnt/, not . or ..' })
    .default(DEFAULT_MOUNT_PATH),
});

export const efsMountSchema = efsAccessSchema.extend({
  /**
   * The mirror of a file system with mirrored sources: its EFS replica in the DR region, mounted the same way
   * (its own access point with the same root directory, VPC, subnets and mount-target group, all in the DR
   * region) into the DR mirror check, which then compares the primary region's file samples with it.
   * Absent: file-system mirrors are checked by EFS's replication state and lag only (docs/ARCHITECTURE.md, "Mirrors").
   */
  replica: efsAccessSchema.optional(),
  /**
   * A WRITABLE file system of the DR region, mounted the same way (its own access point, VPC, subnets and mount-target
   * group, all in the DR region) into the DR region's functions that touch files: the DR restore runbook, the failover
   * and the DR drill write directory sources into it, under its `mountPath` (a failover's directory target is the
   * source's path moved from the protected file system's `mountPath` to this one's, plus `-<targetSuffix>`).
   * Not the replica: EFS keeps a replica read-only for as long as its replication exists, so nothing could be restored
   * into it. Who fails over the EFS way (deletes the replication, making the replica writable) may name the former
   * replica here, and drops `replica` then. docs/ARCHITECTURE.md, "File systems in AWS (EFS)".
   * Absent: directory sources cannot be restored in the DR region in AWS (synth warns).
   */
  drRestore: efsAccessSchema.optional(),
}).refine((efs) => efs.drRestore === undefined || efs.drRestore.fileSystemId !== efs.replica?.fileSystemId, {
  message:
    'names the replica\'s file system: EFS keeps a replica read-only while its replication exists, so the DR region could not restore into it; give a writable file system of the DR region, or (after deleting the replication) remove "replica"',
  path: ['drRestore', 'fileSystemId'],
});

/** At most one file system per environment: Lambda mounts at most one into a function. */
export const fileSystemSchema = z.strictObject({ efs: efsMountSchema });

/**
 * S3 Object Lock on both vault buckets (docs/ARCHITECTURE.md, "Object Lock"): every object a backup
 * references stays undeletable for `days` after the newest backup that references it. COMPLIANCE: by
 * no one, not even the account root; GOVERNANCE: only by a role with s3:BypassGovernanceRetention.
 * Adding this to a deployed environment turns Object Lock on in its vault buckets in place (S3 allows it on a
 * versioned bucket, as the vaults are, and CloudFormation updates ObjectLockEnabled without replacing the bucket), in a
 * deploy as the break-glass role: the vaults' bucket policies deny s3:PutBucketObjectLockConfiguration to CloudFormation's.
 * It can never be turned off again (docs/DEPLOYMENT.md, "Immutable vaults (Object Lock)").
 */
export const immutabilitySchema = z.strictObject({
  mode: z.enum(['GOVERNANCE', 'COMPLIANCE']),
  /** S3 accepts a default retention of 1 to 36,500 days. */
  days: z.number().int('must be a whole number of days').min(1, 'must be at least 1 day').max(36500, 'must be at most 36500 days (S3 Object Lock limit)'),
});
export type ImmutabilityConfig = z.infer<typeof immutabilitySchema>;
/** CloudWatch Logs' retention values (PutRetentionPolicy), the ones `logRetentionDays` may take. */
const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];

/** The security settings of an environment (docs/SECURITY.md); LifeboatProtection's `security` prop. */
export const securitySchema = z.strictObject({
  /**
   * The IAM role (in the environment's account) that approves overwrite restores and failovers: the only one the
   * stacks allow states:SendTaskSuccess/SendTaskFailure on those runbooks (docs/RUNBOOKS.md, "Approvals").
   */
  approverRoleArn: z
    .string()
    .regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/, 'must be an IAM role ARN such as arn:aws:iam::123456789012:role/lifeboat-approver')
    .optional(),
  /** The only principal that may destroy keys, vault versions or vault settings; absent: the account's root user. */
  breakGlassRoleArn: z
    .string()
    .regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/, 'must be an IAM role ARN such as arn:aws:iam::123456789012:role/lifeboat-break-glass')
    .optional(),
  /** Log every state's input and output (debugging only: they may name the protected data's keys and items). */
  logExecutionData: z.boolean().optional(),
  logRetentionDays: z
    .number()
    .int()
    .refine((d) => LOG_RETENTION_DAYS.includes(d), { message: `must be one of CloudWatch Logs' retention values: ${LOG_RETENTION_DAYS.join(', ')}` })
    .optional(),
});

export const environmentSchema = z
  .strictObject({
    name: resourceName,
    account: z.string().regex(/^\d{12}$/, 'must be a 12-digit AWS account id'),
    primaryRegion: awsRegion,
    drRegion: awsRegion,
    /**
     * The account of the DR region's stack, vault and catalog, when it is not `account` (docs/DEPLOYMENT.md,
     * "The DR vault in another account"): a compromised administrator of `account` cannot destroy the DR copies.
     */
    drAccount: z.string().regex(/^\d{12}$/, 'must be a 12-digit AWS account id').optional(),
    plans: z.array(protectionPlanSchema).min(1, 'an environment has at least one protection plan'),
    /** Where the file-system sources are in AWS. Without it they can only be backed up by the local cloud. */
    fileSystem: fileSystemSchema.optional(),
    /** Who hears of alarms and failed executions (docs/RUNBOOKS.md, "Alarms"): e-mail subscriptions of the environment's topics, and the replication-lag threshold. */
    notifications: z
      .strictObject({
        emails: z.array(z.email('must be an e-mail address')).default([]),
        replicationLagMinutes: z.number().positive().optional(),
      })
      .optional(),
    /** The scheduled scrub of both vaults (docs/RUNBOOKS.md, "Scrub"); absent: daily, a seventh of the objects per run. */
    /** The scheduled check of the sources' mirrors; only used when a source has `mirror`. */
    mirrorCheck: mirrorCheckSchema.optional(),
    scrub: z
      .strictObject({
        schedule: scheduleExpression.optional(),
        /** The share of the objects each run reads: a cycle (every object read once) takes ⌈1/fraction⌉ runs. */
        fraction: z
          .number()
          .gt(0, 'must be above 0')
          .max(1, 'must be at most 1 (every object each run)')
          .refine((f) => !isBelowMinScrubFraction(f), MIN_SCRUB_FRACTION_MESSAGE)
          .optional(),
      })
      .optional(),
    /** Object Lock on both vaults; absent: vault objects can be deleted (by prune, or by anyone with the rights). */
    immutability: immutabilitySchema.optional(),
    /** The scheduled prune of each vault (docs/FORMAT.md "Prune"); absent: daily, 25 h grace, 20 % repack threshold. */
    prune: z
      .strictObject({
        schedule: scheduleExpression.optional(),
        /** How long condemned objects wait before deletion: above the longest backup (the lease is 24.25 h). */
        graceHours: z.number().positive('must be above 0 hours').max(24 * 365, 'must be at most a year').optional(),
        /** Packs with more than this share of garbage are repacked. */
        repackThreshold: z.number().min(0, 'must be at least 0').lt(1, 'must be below 1').optional(),
      })
      .optional(),
    security: securitySchema.optional(),
    /**
     * Memory sizes (MB) of the environment's functions by name, in place of their defaults (e.g. `{ "prune-vault": 6144 }`):
     * what a VaultIndexTooLargeError asks for once the vault has outgrown a function (docs/SCALE.md, "Index per shard").
     */
    functionMemory: z
      .record(z.string(), z.number())
      .superRefine((sizes, ctx) => {
        for (const [name, size] of Object.entries(sizes)) {
          const issue = functionMemoryIssue(name, size);
          if (issue) ctx.addIssue({ code: 'custom', message: issue, path: [name] });
        }
      })
      .optional(),
  })
  .refine((e) => e.primaryRegion !== e.drRegion, { message: 'drRegion must differ from primaryRegion', path: ['drRegion'] })
  .refine((e) => e.security?.approverRoleArn === undefined || e.security.approverRoleArn.split(':')[4] === e.account, {
    message: 'must be a role of the environment\'s account: the stacks attach the approver\'s policy to it',
    path: ['security', 'approverRoleArn'],
  })
  .refine((e) => new Set(e.plans.map((p) => p.name)).size === e.plans.length, {
    message: 'plan names must be unique within an environment',
    path: ['plans'],
  })
  .refine((e) => new Set(e.plans.flatMap((p) => p.sources.map((s) => s.name))).size === e.plans.flatMap((p) => p.sources).length, {
    message: 'source names must be unique within an environment',
    path: ['plans'],
  })
  .superRefine((e, ctx) => {
    const mountPath = e.fileSystem?.efs.mountPath;
    if (mountPath === undefined) return;
    e.plans.forEach((plan, p) =>
      plan.sources.forEach((source, s) => {
        if (source.type === 'filesystem' && !isAtOrUnder(source.path, mountPath)) {
          ctx.addIssue({
            code: 'custom',
            message: `source "${source.name}" is at ${source.path}, outside the file system's mountPath ${mountPath}: in AWS the functions see files only under the mount, so its path must be ${mountPath} or below it`,
            path: ['plans', p, 'sources', s, 'path'],
          });
        }
      }),
    );
    // A source that is the whole primary file system leaves no room beside it on a DR file system mounted at the same path: every
    // directory there would be inside that source's path, which the restore's target rules refuse (restore-target-policy.ts).
    const drMountPath = e.fileSystem?.efs.drRestore?.mountPath;
    const atRoot = e.plans.flatMap((plan) => plan.sources).find((source) => source.type === 'filesystem' && isAtOrUnder(mountPath, source.path));
    if (drMountPath !== undefined && atRoot !== undefined && isAtOrUnder(drMountPath, mountPath) && isAtOrUnder(mountPath, drMountPath)) {
      ctx.addIssue({
        code: 'custom',
        message: `source "${atRoot.name}" is the whole file system at ${mountPath}, and drRestore is mounted at the same path: no directory of the DR file system would lie outside that source's path, so the DR region could restore it nowhere; give drRestore another mountPath, such as ${mountPath.replace(/\/+$/, '')}-dr`,
        path: ['fileSystem', 'efs', 'drRestore', 'mountPath'],
      });
    }
  });

/**
 * Plan names that would take another schedule's name: a plan's schedule is `<prefix>-<plan>` in the primary region, where
 * the scrub's (`<prefix>-scrub`), the prune's (`<prefix>-prune`) and the file sampler's (`<prefix>-file-mirror-sample`)
 * schedules are too, and plan x's drill schedule is `<prefix>-drill-x`. Scheduler refuses a second schedule of one name.
 */
const RESERVED_PLAN_NAMES: Readonly<Record<string, string>> = { scrub: "the scrub's", prune: "the prune's", 'file-mirror-sample': "the file-system mirror sampler's" };
const DRILL_SCHEDULE_START = 'drill-';

/** Why a plan may not have this name (its schedule would be named like another schedule of the environment), or undefined. */
export function reservedPlanNameIssue(name: string): string | undefined {
  if (name.startsWith(DRILL_SCHEDULE_START)) return `plan "${name}" starts with "${DRILL_SCHEDULE_START}"; its schedule would be named like a plan's drill schedule (<prefix>-drill-<plan>): rename the plan`;
  const owner = Object.hasOwn(RESERVED_PLAN_NAMES, name) ? RESERVED_PLAN_NAMES[name] : undefined;
  return owner === undefined ? undefined : `a plan is named "${name}"; its schedule would be named like ${owner} (<prefix>-${name}): rename the plan`;
}

export const lifeboatConfigSchema = z
  .strictObject({
    environments: z.array(environmentSchema).min(1, 'at least one environment is required'),
  })
  .refine((c) => new Set(c.environments.map((e) => e.name)).size === c.environments.length, {
    message: 'environment names must be unique',
    path: ['environments'],
  })
  .superRefine((c, ctx) => {
    // Every environment's patterns, not only the source's own: environments may share an account, and S3 names are global.
    const owners: ReservedNameOwner[] = c.environments.map((other) => ({ prefix: `lifeboat-${other.name}`, describedAs: `environment "${other.name}"` }));
    c.environments.forEach((env, i) => {
      const claim = c.environments.map((other) => ownedNamePatternOverlap(`lifeboat-${other.name}`, `lifeboat-${env.name}`)).find((o) => o !== undefined);
      if (claim) ctx.addIssue({ code: 'custom', message: claim, path: ['environments', i, 'name'] });
      // Here, not in environmentSchema: constructs validate their plans with that schema under a placeholder name (validated-plans.ts),
      // and LifeboatProtection checks the same rule with its real prefix. An environment's prefix is lifeboat-<env> (lib/stacks/resource-names.ts),
      // its restore targets' lifeboat-<env>-restore- (lib/lifeboat-names.ts).
      const restoreTargetPrefix = `lifeboat-${env.name}-restore-`;
      env.plans.forEach((plan, p) => {
        // Here too, not in the plan schema: LifeboatProtection reports it among its own props (plans: ...).
        const reservedName = reservedPlanNameIssue(plan.name);
        if (reservedName) ctx.addIssue({ code: 'custom', message: reservedName, path: ['environments', i, 'plans', p, 'name'] });
        plan.sources.forEach((source, s) => {
          const issue = source.type === 's3' ? failoverBucketNameIssue(restoreTargetPrefix, source.name, "the environment's name or the source's") : undefined;
          if (issue) ctx.addIssue({ code: 'custom', message: issue, path: ['environments', i, 'plans', p, 'sources', s, 'name'] });
          // Source buckets are of the primary region (lifeboat doctor checks it), so their keys are too, and so are their inventory
          // buckets' report keys (S3 Inventory delivers only to a bucket of the source bucket's region).
          const keyIssue =
            (source.type === 's3' || source.type === 'dynamodb') && source.kmsKeyArn !== undefined
              ? sourceKeyRegionIssue(source.kmsKeyArn, env.primaryRegion, source.type === 's3' ? 'bucket' : 'table')
              : undefined;
          if (keyIssue) ctx.addIssue({ code: 'custom', message: keyIssue, path: ['environments', i, 'plans', p, 'sources', s, 'kmsKeyArn'] });
          const inventoryKeyIssue = source.type === 's3' && source.inventory?.kmsKeyArn !== undefined ? sourceKeyRegionIssue(source.inventory.kmsKeyArn, env.primaryRegion, 'inventory') : undefined;
          if (inventoryKeyIssue) ctx.addIssue({ code: 'custom', message: inventoryKeyIssue, path: ['environments', i, 'plans', p, 'sources', s, 'inventory', 'kmsKeyArn'] });
          // Without a file system the drills' scratch root is the local fs root (checked too), and with one added later, the default mount.
          for (const reserved of reservedSourceNameIssues(source, owners, env.fileSystem?.efs.mountPath ?? DEFAULT_MOUNT_PATH, 'the environment')) {
            ctx.addIssue({ code: 'custom', message: reserved.message, path: ['environments', i, 'plans', p, 'sources', s, ...reserved.field] });
          }
        });
      });
    });
  });

export type LifeboatConfig = z.infer<typeof lifeboatConfigSchema>;
/**
 * Where an environment of a LifeboatProtection is deployed, as its stack's output gives it to the CLI (`--stack`,
 * config/protection-environment.ts): its prefix and stacks, which lifeboat.config.json derives from the environment's
 * name (`lifeboat-<env>`, `Lifeboat-<env>-Primary`). Never read from a config file.
 */
export type ProtectionDeployment = { readonly prefix: string; readonly primaryStack: string; readonly drStack: string };
export type EnvironmentConfig = z.infer<typeof environmentSchema> & { readonly deployment?: ProtectionDeployment };
export type ProtectionPlanConfig = z.infer<typeof protectionPlanSchema>;
export type SourceConfig = z.infer<typeof sourceSchema>;
export type S3BucketSourceConfig = z.infer<typeof s3BucketSourceSchema>;
export type DynamoDbTableSourceConfig = z.infer<typeof dynamoDbTableSourceSchema>;
export type FileSystemSourceConfig = z.infer<typeof fileSystemSourceSchema>;
export type FileSystemConfig = z.infer<typeof fileSystemSchema>;
export type EfsMountConfig = z.infer<typeof efsMountSchema>;
/** One EFS file system's mount (the protected one, its replica or the DR restore file system in the DR region). */
export type EfsAccessConfig = z.infer<typeof efsAccessSchema>;
