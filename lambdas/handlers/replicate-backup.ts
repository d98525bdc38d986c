import { KMSClient } from '@aws-sdk/client-kms';
import { z } from 'zod';
import { replicateBackup, type ReplicationReport } from '../replication/replicate-backup';
import { vaultKeyProvider } from '../runtime/backup-vault';
import { requireEnv } from '../runtime/environment';
import { classifyError } from '../runtime/errors';
import { functionContext } from '../runtime/function-context';
import { parseInput } from '../runtime/parse-input';
import { S3VaultStore } from '../../vault/aws';

const inputSchema = z.object({ backup: z.object({ backupId: z.string().min(1) }) });

/** Time kept back from the Lambda timeout: copies in flight finish, the catalog is updated, the result returns. */
const RESERVE_MS = 90_000;

/**
 * Copies the committed backup (and anything earlier the DR vault lacks) into the DR vault. Returns
 * `complete: false` when the time ran out; the workflow invokes it again and it carries on.
 */
export async function handler(event: unknown, context?: { getRemainingTimeInMillis(): number }): Promise<ReplicationReport> {
  const { backup } = parseInput(inputSchema, event, 'replication request');
  const ctx = functionContext();
  try {
    const drBucket = requireEnv('DR_VAULT_BUCKET');
    const drRegion = requireEnv('DR_REGION');
    // The DR vault's key is its own region's KMS key, found by alias, with the DR bucket as encryption context.
    const targetKeys = await vaultKeyProvider({ ...process.env, VAULT_KEY_ARN: requireEnv('DR_VAULT_KEY_ARN') }, () => new KMSClient({ region: drRegion }), drBucket);
    const remaining = context?.getRemainingTimeInMillis();
    return await replicateBackup(backup, {
      source: await ctx.vault({ create: false }),
      target: new S3VaultStore({ client: ctx.clients.s3Client(drRegion), bucket: drBucket }),
      targetKeys,
      catalog: ctx.catalog,
      ...(remaining !== undefined ? { deadline: Date.now() + Math.max(remaining - RESERVE_MS, remaining / 2) } : {}),
    });
  } catch (err) {
    throw classifyError(err);
  }
}
