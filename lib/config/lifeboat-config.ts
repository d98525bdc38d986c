import { z } from 'zod';

/**
 * The description of what Lifeboat protects, per environment. Validated with zod before synth so a
 * bad config fails with the path of the offending field (see `parseLifeboatConfig`).
 */

const awsRegion = z.string().regex(/^[a-z]{2}(-gov)?-[a-z]+-\d$/, 'must be an AWS region such as us-east-1');
const resourceName = z
  .string()
  .regex(/^[a-z][a-z0-9-]{0,30}[a-z0-9]$/, 'must be 2-32 lowercase letters, digits or dashes, starting with a letter');

/** EventBridge Scheduler expression: rate(...), cron(...) or at(...). */
const scheduleExpression = z
  .string()
  .regex(/^(rate\(\d+ (minute|minutes|hour|hours|day|days)\)|cron\(.+\)|at\(.+\))$/, 'must be rate(N unit), cron(...) or at(...)');

export const s3BucketSourceSchema = z.strictObject({
  type: z.literal('s3'),
  /** Name a source is known by in the catalog and in restore runbooks. */
  name: resourceName,
  bucket: z.string().min(3).max(63),
  prefix: z.string().default(''),
});

export const dynamoDbTableSourceSchema = z.strictObject({
  type: z.literal('dynamodb'),
  name: resourceName,
  table: z.string().min(3).max(255),
});

export const fileSystemSourceSchema = z.strictObject({
  type: z.literal('filesystem'),
  name: resourceName,
  /** Absolute path as the snapshot Lambda sees it (an EFS mount point in AWS, a directory locally). */
  path: z.string().startsWith('/', 'must be an absolute path'),
});

export const sourceSchema = z.discriminatedUnion('type', [s3BucketSourceSchema, dynamoDbTableSourceSchema, fileSystemSourceSchema]);

export const retentionSchema = z
  .strictObject({
    keepLast: z.number().int().min(1).optional(),
    keepDaily: z.number().int().min(0).optional(),
    keepWeekly: z.number().int().min(0).optional(),
    keepMonthly: z.number().int().min(0).optional(),
  })
  .refine((r) => Object.values(r).some((v) => v !== undefined && v > 0), {
    message: 'must keep something: set keepLast, keepDaily, keepWeekly or keepMonthly',
  });

export const protectionPlanSchema = z.strictObject({
  name: resourceName,
  sources: z.array(sourceSchema).min(1, 'a plan protects at least one source'),
  schedule: scheduleExpression,
  strategy: z.enum(['full', 'incremental', 'differential']),
  retention: retentionSchema,
  objectives: z.strictObject({
    rpoMinutes: z.number().int().positive(),
    rtoMinutes: z.number().int().positive(),
  }),
  /** Upper bound of concurrent snapshot shards (the Map state's MaxConcurrency). */
  maxConcurrency: z.number().int().min(1).max(1000).default(8),
});

export const environmentSchema = z
  .strictObject({
    name: resourceName,
    account: z.string().regex(/^\d{12}$/, 'must be a 12-digit AWS account id'),
    primaryRegion: awsRegion,
    drRegion: awsRegion,
    plans: z.array(protectionPlanSchema).min(1, 'an environment has at least one protection plan'),
  })
  .refine((e) => e.primaryRegion !== e.drRegion, { message: 'drRegion must differ from primaryRegion', path: ['drRegion'] })
  .refine((e) => new Set(e.plans.map((p) => p.name)).size === e.plans.length, {
    message: 'plan names must be unique within an environment',
    path: ['plans'],
  })
  .refine((e) => new Set(e.plans.flatMap((p) => p.sources.map((s) => s.name))).size === e.plans.flatMap((p) => p.sources).length, {
    message: 'source names must be unique within an environment',
    path: ['plans'],
  });

export const lifeboatConfigSchema = z
  .strictObject({
    environments: z.array(environmentSchema).min(1, 'at least one environment is required'),
  })
  .refine((c) => new Set(c.environments.map((e) => e.name)).size === c.environments.length, {
    message: 'environment names must be unique',
    path: ['environments'],
  });

export type LifeboatConfig = z.infer<typeof lifeboatConfigSchema>;
export type EnvironmentConfig = z.infer<typeof environmentSchema>;
export type ProtectionPlanConfig = z.infer<typeof protectionPlanSchema>;
export type SourceConfig = z.infer<typeof sourceSchema>;
export type S3BucketSourceConfig = z.infer<typeof s3BucketSourceSchema>;
export type DynamoDbTableSourceConfig = z.infer<typeof dynamoDbTableSourceSchema>;
export type FileSystemSourceConfig = z.infer<typeof fileSystemSourceSchema>;
