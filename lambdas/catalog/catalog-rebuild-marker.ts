import { DeleteCommand, GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { CatalogItemInvalidError } from './catalog-errors';
import { type VaultSide } from './catalog-rebuild';

/**
 * The item an unfinished catalog rebuild leaves in the catalog it writes (review rH F2, audit aV1-1): its own partition,
 * which no other writer touches and replication never copies (REPLICATED_PARTITIONS in lib/constructs/catalog-table.ts),
 * so each region's catalog says only of its own rebuild.
 */
export const REBUILD_MARKER_KEY = { pk: 'REBUILD', sk: 'INCOMPLETE' } as const;

const positionSchema = z.object({ startedAt: z.string().min(1), backupId: z.string().min(1) });

/**
 * A rebuild writes the newest backups first, so while it runs, or after it stopped short, the catalog holds every backup
 * of the vault from `reliableFrom` on (in its order: start, then backup id) and may lack older ones. A restore by point
 * in time that chooses a backup at or after it chose right (nothing newer is missing); one that chooses an older backup,
 * or none, may be wrong: an older record the table still held (a table restored from PITR, an older copy) stands in
 * for the backup the rebuild has not written yet.
 */
export const rebuildMarkerSchema = z.object({
  reliableFrom: positionSchema,
  /** The vault it rebuilds from. */
  vault: z.enum(['primary', 'dr']),
  /** When the rebuild (or its latest round) last wrote the marker: it is running, or stopped after that. */
  writtenAt: z.string().min(1),
  /**
   * The command that finishes it from a machine (catalog-rebuild-command-line.ts), when the writer knew it. Printed only
   * through markerFinishLine (rebuild-marker-finish-line.ts), which withholds any line but one the reader's own rebuild writes (review r58C F6, r58J F1).
   */
  finishWith: z.string().min(1).optional(),
});

/**
 * The deployment that reads a marker and prints its line (markerFinishLine): its environment, the region whose catalog
 * it reads, whether it runs in AWS, and the key it opens the primary vault with (VAULT_KEY_ARN; undefined without one).
 * A stored line is shown only when it is one this deployment's rebuild would write (review r58J F1).
 */
export type MarkerReader = { environment: string; region: VaultSide; aws: boolean; vaultKeyArn: string | undefined };

/** A marker; as read, with `readBy`, its reader (never stored: CatalogRebuildMarker.write leaves it out). */
export type RebuildMarker = z.infer<typeof rebuildMarkerSchema> & { readBy?: MarkerReader };

/**
 * The marker of one catalog table: read by the restores that choose by time, written and removed by the rebuild.
 * `reader`: the deployment that reads it, which the markers it reads carry (`readBy`); without it no stored line is shown.
 */
export class CatalogRebuildMarker {
  constructor(
    private readonly ddb: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly reader?: MarkerReader,
  ) {}

  /** The marker, or undefined when no rebuild is unfinished. One that does not validate fails the read: a restore must not guess. */
  async read(): Promise<RebuildMarker | undefined> {
    const { Item } = await this.ddb.send(new GetCommand({ TableName: this.table, Key: REBUILD_MARKER_KEY, ConsistentRead: true }));
    if (Item === undefined) return undefined;
    const parsed = rebuildMarkerSchema.safeParse(Item);
    if (parsed.success) return this.reader !== undefined ? { ...parsed.data, readBy: this.reader } : parsed.data;
    const problems = parsed.error.issues;
    throw new CatalogItemInvalidError(this.table, `${REBUILD_MARKER_KEY.pk} / ${REBUILD_MARKER_KEY.sk}`, problems);
  }

  async write(marker: RebuildMarker): Promise<void> {
    const { reliableFrom, vault, writtenAt, finishWith } = marker;
    await this.ddb.send(new PutCommand({ TableName: this.table, Item: { ...REBUILD_MARKER_KEY, reliableFrom, vault, writtenAt, ...(finishWith !== undefined ? { finishWith } : {}) } }));
  }

  async remove(): Promise<void> {
    await this.ddb.send(new DeleteCommand({ TableName: this.table, Key: REBUILD_MARKER_KEY }));
  }
}
