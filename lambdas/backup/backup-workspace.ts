import { z } from 'zod';
import { InvalidInputError } from '../runtime/errors';
import { manifestPartSchema, pruneStateSeenSchema } from '../../vault';
import { VaultObjectNotFoundError } from '../../vault';
import { type VaultStore } from '../../vault';
import { shardResumePointSchema } from '../sources/shard-resume-point';
import { shardSpecSchema, type ShardSpec } from '../sources/shard-spec';
import { storedObjectPieceSchema } from '../sources/stored-object-piece';
import { backupPlanDocumentSchema, type BackupPlanDocument } from './backup-plan-document';

/**
 * The working objects of backup runs, kept in the vault bucket beside (not inside) the vault's own
 * layout of docs/FORMAT.md, so that only keys travel through Step Functions:
 *   plans/<backupId>.json                      the plan: sources, parents, the shard manifests' keys (Plan step)
 *   plans/<backupId>/shards/<seq>.jsonl        the shards planned by planning invocation <seq>, one ShardSpec a line (the Map's items)
 *   parts/<backupId>/<shard>.json              a shard's ManifestPart and observations (Snapshot shard); an s3-range shard's piece
 *   parts/<backupId>/<shard>/segment-<n>.json  the part of a shard's n-th stretch cut by its deadline and where it ends (resumable shards; created once)
 *   parts/<backupId>/<shard>/cursor.json       how many segments are stored and where the shard resumes (a copy of the last segment's end)
 *   parts/<backupId>/committed/<source>.json   a commit invocation's claim on a source, then the snapshot it committed (Commit: one snapshot per source, whatever the retries)
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
  /** An s3-range shard's piece of a split object (commit joins the pieces into one entry); absent for other shards. */
  pieces: z.array(storedObjectPieceSchema).optional(),
  /**
   * What the shard's writer saw of prune's state before it loaded its index (every stretch's, merged):
   * commit holds the snapshot only to the prunes its writers did not see (docs/FORMAT.md §11). Absent
   * in parts written before 2026-12-05: every prune within a minute before the backup's start counts.
   */
  pruneStateSeen: z.optional(pruneStateSeenSchema),
});
export type ShardPartDocument = z.infer<typeof shardPartDocumentSchema>;

/** The totals of a shard's stored segments, so a stopping call can report the whole shard's progress without reading them. */
const storedTotalsSchema = z.object({ entries: z.number().int().min(0), bytesScanned: z.number().int().min(0), bytesNew: z.number().int().min(0) });

/**
 * A stopped shard's progress: segments 0 … segments-1 are stored, and the shard resumes at `resume`,
 * the entry boundary where the last of them ended. Always a copy of that segment's `next` (see
 * shardSegmentDocumentSchema), so a cursor lost or moved back can be taken from the segments again.
 */
export const shardCursorSchema = z.object({
  backupId: z.string(),
  shardIndex: z.number().int().min(0),
  source: z.string(),
  segments: z.number().int().min(1),
  resume: shardResumePointSchema,
  stored: storedTotalsSchema,
});
export type ShardCursor = z.infer<typeof shardCursorSchema>;

/**
 * A segment, parts/<backupId>/<shard>/segment-<n>.json: the part of a stretch cut by its deadline, and
 * `next`, the cursor that follows it (where the shard resumes, the totals of segments 0 … n). Created
 * only where none exists and never changed, so the first run of a stretch to store it decides where
 * the shard goes on, whatever other runs of the same stretch do (snapshot-shard.ts). `next` is absent
 * in segments written before 2026-12-06 (their cursor alone said where they end).
 */
export const shardSegmentDocumentSchema = shardPartDocumentSchema.extend({
  next: z.object({ resume: shardResumePointSchema, stored: storedTotalsSchema }).optional(),
});
export type ShardSegmentDocument = z.infer<typeof shardSegmentDocumentSchema>;

/**
 * A source's commit marker, parts/<backupId>/committed/<source>.json. Created only once (If-None-Match)
 * as a claim by one commit invocation (`invocation`, random per invocation) before it writes the
 * source's snapshot; the claimer adds `snapshotId` once the snapshot object is written. Every other
 * invocation of the same commit reuses that snapshot instead of writing its own (commit-backup.ts).
 * Markers written before 2026-12-05 have no `invocation` and `claimedAt`, always a `snapshotId`.
 */
export const committedSourceSchema = z.object({
  backupId: z.string(),
  source: z.string(),
  snapshotId: z.string().regex(/^[0-9a-f]{64}$/).optional(),
  invocation: z.string().optional(),
  claimedAt: z.string().optional(),
});
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

/** A segment a shard's cursor counts, or that it just stored, is missing: something removed it (segments are never deleted by the workflow). */
export class MissingShardSegmentError extends Error {
  override readonly name = 'MissingShardSegmentError';
  constructor(
    readonly backupId: string,
    readonly shardIndex: number,
    readonly segment: number,
  ) {
    super(`Backup ${backupId}: segment ${segment} of shard ${shardIndex} was stored, but ${segmentKey(backupId, shardIndex, segment)} is gone (the workflow never deletes one). Run the backup again.`);
  }
}

export function planKey(backupId: string): string {
  return `${PLANS_PREFIX}${backupId}.json`;
}

/** The manifest of planning invocation `seq` (000000 first): six digits, so the keys sort in planning order. */
export function shardManifestKey(backupId: string, seq: number): string {
  return `${PLANS_PREFIX}${backupId}/shards/${String(seq).padStart(6, '0')}.jsonl`;
}

/** A shard manifest line that is not a ShardSpec: the object was not written by the planner (or was altered). */
export class InvalidShardManifestError extends Error {
  override readonly name = 'InvalidShardManifestError';
  constructor(
    readonly key: string,
    readonly line: number,
    reason: string,
  ) {
    super(`Shard manifest ${key}, line ${line}: ${reason}. The manifest is written only by the Plan step; plan the backup again.`);
  }
}

export function partKey(backupId: string, shardIndex: number): string {
  return `${PARTS_PREFIX}${backupId}/${String(shardIndex).padStart(5, '0')}.json`;
}

function shardPrefix(backupId: string, shardIndex: number): string {
  return `${PARTS_PREFIX}${backupId}/${String(shardIndex).padStart(5, '0')}/`;
}

/** parts/<backupId>/<shard:5>/segment-<n:6>.json: a ShardPartDocument of the shard's n-th stopped stretch. */
export function segmentKey(backupId: string, shardIndex: number, segment: number): string {
  return `${shardPrefix(backupId, shardIndex)}segment-${String(segment).padStart(6, '0')}.json`;
}

/** parts/<backupId>/<shard:5>/cursor.json: the ShardCursor of a shard that stopped before its end. */
export function cursorKey(backupId: string, shardIndex: number): string {
  return `${shardPrefix(backupId, shardIndex)}cursor.json`;
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

  /**
   * Writes one planning invocation's shards as JSON Lines (the Distributed Map's ItemReader format:
   * one Map item a line) and returns the key. Written whole: a manifest holds at most the shards of
   * one invocation (MAX_SHARDS_PER_MANIFEST), a few MB at most.
   */
  async putShardManifest(backupId: string, seq: number, specs: readonly ShardSpec[]): Promise<string> {
    const key = shardManifestKey(backupId, seq);
    await this.store.put(key, Buffer.from(specs.map((spec) => `${JSON.stringify(spec)}\n`).join(''), 'utf8'));
    return key;
  }

  /** The shards of one manifest, in their order, each checked to be a ShardSpec. */
  async getShardManifest(key: string): Promise<ShardSpec[]> {
    let body: Buffer;
    try {
      body = await this.store.get(key);
    } catch (err) {
      if (err instanceof VaultObjectNotFoundError) throw new InvalidInputError(`Shard manifest ${key} is not in ${this.store.location}; the plan names a manifest that was never written.`);
      throw err;
    }
    const specs: ShardSpec[] = [];
    const lines = body.toString('utf8').split('\n');
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i] ?? '';
      if (line === '') continue;
      let json: unknown;
      try {
        json = JSON.parse(line);
      } catch {
        throw new InvalidShardManifestError(key, i + 1, 'not JSON');
      }
      const parsed = shardSpecSchema.safeParse(json);
      if (!parsed.success) throw new InvalidShardManifestError(key, i + 1, `not a shard spec (${parsed.error.issues[0]?.message ?? 'invalid'})`);
      specs.push(parsed.data);
    }
    return specs;
  }

  async putPart(doc: ShardPartDocument): Promise<void> {
    await this.putJson(partKey(doc.backupId, doc.shardIndex), doc);
  }

  async getPart(backupId: string, shardIndex: number): Promise<ShardPartDocument> {
    const doc = await this.getJson(partKey(backupId, shardIndex), shardPartDocumentSchema);
    if (!doc) throw new MissingShardPartError(backupId, shardIndex);
    return doc;
  }

  /** The shard's final part, if it finished already (a retried batch meets its earlier items again). */
  async findPart(backupId: string, shardIndex: number): Promise<ShardPartDocument | undefined> {
    return this.getJson(partKey(backupId, shardIndex), shardPartDocumentSchema);
  }

  /**
   * Creates segment `segment` of the shard only where none exists, and returns the segment that stands:
   * `created` when it is this one. The segment is read back either way, as claimCommittedSource reads
   * its marker: a store that ignores If-None-Match (bare s3rver) overwrites and answers "written", and
   * the read then shows the later writer's bytes to the earlier one only when that read comes after the
   * later write — two runs stopping seconds apart usually read before it, and both "win" (review r6): the
   * guarantee needs a store that honours the condition (AWS S3, the file and memory stores, the local
   * cloud's conditional-put front). A store without putIfAbsent gets check-then-put, with the same gap.
   */
  async createSegment(doc: ShardSegmentDocument, segment: number): Promise<{ created: boolean; standing: ShardSegmentDocument }> {
    const key = segmentKey(doc.backupId, doc.shardIndex, segment);
    const body = Buffer.from(JSON.stringify(doc), 'utf8');
    let written: boolean;
    if (this.store.putIfAbsent) written = await this.store.putIfAbsent(key, body);
    else if ((written = !(await this.store.has(key)))) await this.store.put(key, body);
    let standing: Buffer;
    try {
      standing = await this.store.get(key);
    } catch (err) {
      if (err instanceof VaultObjectNotFoundError) throw new MissingShardSegmentError(doc.backupId, doc.shardIndex, segment);
      throw err;
    }
    return { created: written && standing.equals(body), standing: shardSegmentDocumentSchema.parse(JSON.parse(standing.toString('utf8'))) };
  }

  /** Overwrites a segment: only one written before segments carried their cursor (`next`), which nothing else can continue from. */
  async replaceLegacySegment(doc: ShardSegmentDocument, segment: number): Promise<void> {
    await this.putJson(segmentKey(doc.backupId, doc.shardIndex, segment), doc);
  }

  async getSegment(backupId: string, shardIndex: number, segment: number): Promise<ShardSegmentDocument> {
    const doc = await this.getJson(segmentKey(backupId, shardIndex, segment), shardSegmentDocumentSchema);
    if (!doc) throw new MissingShardSegmentError(backupId, shardIndex, segment);
    return doc;
  }

  async putCursor(cursor: ShardCursor): Promise<void> {
    await this.putJson(cursorKey(cursor.backupId, cursor.shardIndex), cursor);
  }

  /** The shard's cursor; undefined when it never stopped (it starts from the beginning). */
  async getCursor(backupId: string, shardIndex: number): Promise<ShardCursor | undefined> {
    return this.getJson(cursorKey(backupId, shardIndex), shardCursorSchema);
  }

  /** Overwrites a source's marker: only its claimer does, to add the snapshot it wrote. */
  async putCommittedSource(doc: CommittedSource): Promise<void> {
    await this.putJson(committedSourceKey(doc.backupId, doc.source), doc);
  }

  /**
   * Claims a source for one commit invocation: creates its marker only where none exists, and returns
   * the marker that stands (this claim, or the one another invocation made first). The marker is read
   * back either way, as initVault reads `config` back: a store that ignores If-None-Match (bare
   * s3rver) overwrites, and the read then names the later writer to both, except when the two reads
   * fall between the two writes; a store without putIfAbsent gets check-then-put with that same caveat.
   */
  async claimCommittedSource(claim: CommittedSource): Promise<CommittedSource | undefined> {
    const key = committedSourceKey(claim.backupId, claim.source);
    const body = Buffer.from(JSON.stringify(claim), 'utf8');
    if (this.store.putIfAbsent) await this.store.putIfAbsent(key, body);
    else if (!(await this.getCommittedSource(claim.backupId, claim.source))) await this.store.put(key, body);
    // Undefined: a delete came between the write and the read: the claim that won was withdrawn (its invocation
    // failed before naming a snapshot), or the backup FAILED and its markers were cleaned up. The caller looks again.
    return this.getCommittedSource(claim.backupId, claim.source);
  }

  async getCommittedSource(backupId: string, source: string): Promise<CommittedSource | undefined> {
    return this.getJson(committedSourceKey(backupId, source), committedSourceSchema);
  }

  /** Every commit marker of a backup (one per source a commit claimed), in no particular order. */
  async listCommittedSources(backupId: string): Promise<CommittedSource[]> {
    const markers: CommittedSource[] = [];
    for await (const key of this.store.list(`${PARTS_PREFIX}${backupId}/committed/`)) {
      const marker = await this.getJson(key, committedSourceSchema);
      if (marker) markers.push(marker);
    }
    return markers;
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
