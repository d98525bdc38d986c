import { z } from 'zod';
import { InvalidInputError } from '../runtime/errors';
import { manifestPartSchema } from '../../vault';
import { VaultObjectNotFoundError } from '../../vault';
import { type VaultStore } from '../../vault';
import { backupPlanDocumentSchema, type BackupPlanDocument } from './backup-plan-document';

/**
 * The working objects of backup runs, kept in the vault bucket beside (not inside) the vault's own
 * layout of docs/FORMAT.md, so that only keys travel through Step Functions:
 *   plans/<backupId>.json                      the shard plan (Plan step)
 *   parts/<backupId>/<shard>.json              a shard's ManifestPart and observations (Snapshot shard)
 *   parts/<backupId>/committed/<source>.json   the snapshot committed for a source (Commit, for an idempotent retry)
 * A vault reader ignores these prefixes (FORMAT.md §1). Parts of a failed backup are never read again.
 */
export const PLANS_PREFIX = 'plans/';
export const PARTS_PREFIX = 'parts/';

export const shardPartDocumentSchema = z.object({
  backupId: z.string(),
  shardIndex: z.number().int().min(0),
  source: z.string(),
  part: manifestPartSchema,
  observations: z.object({ changedDuringRead: z.array(z.string()), vanished: z.array(z.string()), skipped: z.array(z.string()) }),
});
export type ShardPartDocument = z.infer<typeof shardPartDocumentSchema>;

export const committedSourceSchema = z.object({ backupId: z.string(), source: z.string(), snapshotId: z.string().regex(/^[0-9a-f]{64}$/) });
export type CommittedSource = z.infer<typeof committedSourceSchema>;

/** A part a commit needs is not in the vault bucket: its shard never finished (the Map should have failed first). */
export class MissingShardPartError extends Error {
  override readonly name = 'MissingShardPartError';
  constructor(
    readonly backupId: string,
    readonly shardIndex: number,
  ) {
    super(`Backup ${backupId}: shard ${shardIndex} left no manifest part (${partKey(backupId, shardIndex)}); the shard did not finish. Run the backup again.`);
  }
}

export function planKey(backupId: string): string {
  return `${PLANS_PREFIX}${backupId}.json`;
}

export function partKey(backupId: string, shardIndex: number): string {
  return `${PARTS_PREFIX}${backupId}/${String(shardIndex).padStart(5, '0')}.json`;
}

export function committedSourceKey(backupId: string, source: string): string {
  return `${PARTS_PREFIX}${backupId}/committed/${source}.json`;
}

export class BackupWorkspace {
  constructor(private readonly store: VaultStore) {}

  async putPlan(plan: BackupPlanDocument): Promise<string> {
    const key = planKey(plan.backupId);
    await this.putJson(key, plan);
    return key;
  }

  /** The plan at `key`, checked to belong to `backupId` (a task naming another run's plan is refused). */
  async getPlan(key: string, backupId: string): Promise<BackupPlanDocument> {
    if (key !== planKey(backupId)) throw new InvalidInputError(`Plan key ${JSON.stringify(key)} is not the plan of backup ${backupId} (${planKey(backupId)}).`);
    const plan = await this.getJson(key, backupPlanDocumentSchema);
    if (!plan) throw new InvalidInputError(`Backup ${backupId} has no plan at ${key} in ${this.store.location}; it was never planned.`);
    return plan;
  }

  async putPart(doc: ShardPartDocument): Promise<void> {
    await this.putJson(partKey(doc.backupId, doc.shardIndex), doc);
  }

  async getPart(backupId: string, shardIndex: number): Promise<ShardPartDocument> {
    const doc = await this.getJson(partKey(backupId, shardIndex), shardPartDocumentSchema);
    if (!doc) throw new MissingShardPartError(backupId, shardIndex);
    return doc;
  }

  async putCommittedSource(doc: CommittedSource): Promise<void> {
    await this.putJson(committedSourceKey(doc.backupId, doc.source), doc);
  }

  async getCommittedSource(backupId: string, source: string): Promise<CommittedSource | undefined> {
    return this.getJson(committedSourceKey(backupId, source), committedSourceSchema);
  }

  async deleteCommittedSource(backupId: string, source: string): Promise<void> {
    await this.store.delete(committedSourceKey(backupId, source));
  }

  private async putJson(key: string, value: unknown): Promise<void> {
    await this.store.put(key, Buffer.from(JSON.stringify(value), 'utf8'));
  }

  private async getJson<T>(key: string, schema: z.ZodType<T>): Promise<T | undefined> {
    let body: Buffer;
    try {
      body = await this.store.get(key);
    } catch (err) {
      if (err instanceof VaultObjectNotFoundError) return undefined;
      throw err;
    }
    return schema.parse(JSON.parse(body.toString('utf8')));
  }
}
