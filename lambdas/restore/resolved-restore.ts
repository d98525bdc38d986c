import { z } from 'zod';
import { writeBudgetSchema } from '../../config/lifeboat-config';
import { restoreTargetSchema } from './restore-request';
import { SAFE_RESTORE_ID } from './restore-id';

/**
 * A validated, resolved restore: which snapshot of which vault goes where. The resolve step
 * produces it, the plan step stores it in the restore plan, every later step reads it from there.
 */
export const resolvedRestoreSchema = z.object({
  restoreId: z.string().regex(SAFE_RESTORE_ID),
  source: z.object({ name: z.string(), type: z.enum(['s3', 'dynamodb', 'filesystem']) }),
  backupId: z.string(),
  backupStartedAt: z.string(),
  snapshotId: z.string().regex(/^[0-9a-f]{64}$/),
  vault: z.enum(['primary', 'dr']),
  target: restoreTargetSchema,
  overwrite: z.boolean(),
  /** File systems: keep setuid/setgid bits (plans stored before this field existed drop them). */
  keepSetIdBits: z.boolean().default(false),
  /** DynamoDB targets: 'off' leaves the source's TTL off on the table the restore creates (restore-request.ts); absent: on, as the source had it. */
  timeToLive: z.enum(['on', 'off']).optional(),
  /** Only entries whose path (S3 key) starts with this; '' = everything. */
  prefix: z.string(),
  startedAt: z.string(),
  /** DynamoDB sources: the source's configured write budget for the restore's writes (absent: the defaults). */
  writeBudget: writeBudgetSchema.optional(),
});
export type ResolvedRestore = z.infer<typeof resolvedRestoreSchema>;

/** How a target is named in reports and messages. */
export function describeTarget(target: ResolvedRestore['target']): string {
  if (target.type === 's3') return `s3://${target.bucket}/${target.prefix}`;
  if (target.type === 'dynamodb') return `dynamodb table ${target.table}`;
  return `directory ${target.path}`;
}
