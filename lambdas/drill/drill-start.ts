import { z } from 'zod';
import { DRILL_ID, DRILL_ID_EXAMPLE } from '../catalog/drill-id';
import { type ProtectionPlanConfig } from '../../config/lifeboat-config';
import { type BackupCatalog } from '../catalog/backup-catalog';
import { type CatalogRebuildMarker } from '../catalog/catalog-rebuild-marker';
import { choiceInRebuildGap } from '../catalog/catalog-rebuild-order';
import { newestFirst } from '../catalog/newest-first';
import { recordInstant } from '../catalog/record-instant';
import { SAFE_RESTORE_ID } from '../restore/restore-id';
import { restoreRequestSchema } from '../restore/restore-request';
import { InvalidInputError } from '../runtime/errors';
import { type VaultSide } from '../runtime/runtime-config';
import { drillIdOf } from './drill-id';
import { parseDrillRequest } from './drill-request';
import { UnreadableNewerBackupError, unreadableMaybeNewer, unreadableRecords } from '../failover/unreadable-newer-backups';
import { isDrillable, selectDrillBackup } from './drill-selection';
import { NewestBackupInRebuildGapError } from './newest-backup-in-rebuild-gap-error';
import { createScratchBucket, type ScratchDirectoryRoot, scratchTargetName, scratchTargetOf } from './scratch-targets';
import { forEachBounded } from '../../vault';

/** Scratch buckets made at once by the drill's first step: well under S3's request rates, and 85 sources in 11 rounds. */
export const SCRATCH_BUCKETS_IN_FLIGHT = 8;

const seconds = z.number().nonnegative();

/** What the drill's first step returns (`$.drill`): the later steps read the drill from it. */
export const drillStartSchema = z.object({
  drillId: z.string().regex(DRILL_ID, `must be a drill id such as ${DRILL_ID_EXAMPLE}`),
  plan: z.string().min(1),
  vault: z.enum(['primary', 'dr']),
  startedAt: z.string().min(1),
  selection: z.enum(['latest', 'random-within-window', 'backup-id']),
  windowDays: z.number().int().positive(),
  samples: z.number().int().nonnegative(),
  backup: z.object({ backupId: z.string().min(1), startedAt: z.string().min(1), endedAt: z.string().optional(), strategy: z.string().optional() }),
  /** drill-selection.ts `DrillRpo`; `newestBackupAgeSeconds` optional: a drill started by an earlier version (a deploy during it) still records. */
  rpo: z.object({ backupAgeSeconds: seconds, newestBackupAgeSeconds: seconds.optional(), largestGapSeconds: seconds, backupsInWindow: z.number().int().nonnegative() }),
  /** One restore per source of the plan (the backup holds every one), each onto the source's scratch target: the restore chain's input. */
  restores: z.array(z.object({ restoreId: z.string().regex(SAFE_RESTORE_ID), request: restoreRequestSchema })),
});
export type DrillStart = z.infer<typeof drillStartSchema>;

/** The envelope the state machine gives the first step: the execution's input, name and start time. */
export type DrillEnvelope = { input: unknown; execution: string; startedAt: string };

export type StartDrillDeps = {
  plans: readonly ProtectionPlanConfig[];
  /** The home region's catalog: the plan's records, one by id, and an unfinished rebuild's marker (for a backup the drill picks). */
  catalog: Pick<BackupCatalog, 'listBackupsOfPlan' | 'getBackup'> & { rebuildMarker(): Pick<CatalogRebuildMarker, 'read'> };
  /** The vault the drill restores from: the function's home vault (a drill runs in its vault's region). */
  vault: VaultSide;
  /** The drill's region: its scratch buckets are made there. */
  region: string;
  /** In the local cloud, its DynamoDB endpoint of `region`: the AWS CLI commands the drill's failures name go there (review r62H F1). */
  localDynamoDb?: string | undefined;
  /** `<prefix>-drill-` (the drill functions' LIFEBOAT_RESTORE_TARGET_PREFIX). */
  drillTargetPrefix: string;
  s3: Parameters<typeof createScratchBucket>[0];
  directoryRoot?: ScratchDirectoryRoot | undefined;
  random?: () => number;
};

/**
 * The drill's first step: validates the input (InvalidInputError naming the field: the execution
 * then fails at once, nothing recorded), picks the backup and measures the RPO (drill-selection.ts),
 * fails (UnreadableNewerBackupError, recorded as FAILED) when a record the catalog passed over may be of a backup newer
 * than the newest it can drill, unless the input names the backup: a drill of an older backup in its place would prove
 * the wrong backup restorable, and measure the RPO against it (review 43c F2); likewise (NewestBackupInRebuildGapError)
 * when an unfinished rebuild of the catalog has not written down to that newest yet (review rP F1),
 * fails (BackupLacksPlanSourcesError, recorded as FAILED) when the backup it picks holds no snapshot of some source
 * of the plan (a named one is refused: InvalidInputError), makes the S3 scratch buckets (restores need their bucket to exist; tables and directories are made
 * by the restore itself), and returns one restore request per source of the plan.
 */
export async function startDrill(envelope: DrillEnvelope, deps: StartDrillDeps): Promise<DrillStart> {
  const request = parseDrillRequest(envelope.input, deps.plans);
  const drillId = drillIdOf(envelope.execution, envelope.startedAt);
  const plan = request.plan;
  const unreadable = unreadableRecords();
  const backups = await deps.catalog.listBackupsOfPlan(plan.name, { onInvalid: unreadable.onInvalid });
  if (request.backupId !== undefined && !backups.some((b) => b.backupId === request.backupId)) {
    const other = await deps.catalog.getBackup(request.backupId);
    throw new InvalidInputError(
      other
        ? `Invalid drill request: backupId: backup ${request.backupId} belongs to plan "${other.plan}", not "${plan.name}"; drill plan "${other.plan}", or name a backup of "${plan.name}"`
        : `Invalid drill request: backupId: the catalog of ${deps.region} has no backup ${request.backupId}; list the plan's backups with \`lifeboat backups list --plan ${plan.name}\``,
    );
  }
  if (request.backupId === undefined) {
    // Against the newest drillable backup, whatever the selection: a random one too stands for "the plan restores".
    const start = Date.parse(envelope.startedAt);
    const newest = newestFirst(backups.filter((b) => b.plan === plan.name && isDrillable(b, deps.vault) && recordInstant(b.startedAt) <= start))[0];
    const newer = unreadableMaybeNewer(unreadable.items, { after: newest?.startedAt, upTo: envelope.startedAt });
    if (newer.length > 0) throw new UnreadableNewerBackupError('drill', plan.name, { region: deps.region, vault: deps.vault, localDynamoDb: deps.localDynamoDb }, newest, newer);
    // An unfinished rebuild of the catalog may not have written the newest yet (review rP F1).
    const marker = await deps.catalog.rebuildMarker().read();
    if (marker && choiceInRebuildGap(newest, marker)) throw new NewestBackupInRebuildGapError(plan.name, deps.region, marker, newest);
  }
  const { backup, rpo } = selectDrillBackup(backups, {
    plan: plan.name,
    vault: deps.vault,
    selection: request.selection,
    backupId: request.backupId,
    sources: plan.sources.map((s) => s.name),
    windowDays: request.windowDays,
    startedAt: new Date(envelope.startedAt),
    ...(deps.random ? { random: deps.random } : {}),
  });
  // The backup holds every source of the plan (selectDrillBackup): one scratch target and restore per source. Every
  // target is named first, so a source that cannot have one (a directory without a file system) fails before any bucket is made.
  const restores: DrillStart['restores'] = plan.sources.map((source) => ({
    restoreId: `${drillId}-${source.name}`,
    request: restoreRequestSchema.parse({ source: source.name, backupId: backup.backupId, target: scratchTargetOf(source, scratchTargetName(deps.drillTargetPrefix, drillId, source.name), deps.directoryRoot), vault: deps.vault }),
  }));
  // A few at a time: five S3 calls each, one after another, took longer than the step's 2 minutes for a plan of ~50 S3
  // sources. After a failure no further bucket is begun (forEachBounded); the cleanup finds those made by their names.
  const buckets = restores.flatMap((r) => (r.request.target.type === 's3' ? [r.request.target.bucket] : []));
  await forEachBounded(buckets, SCRATCH_BUCKETS_IN_FLIGHT, (bucket) => createScratchBucket(deps.s3, deps.region, bucket));
  return {
    drillId,
    plan: plan.name,
    vault: deps.vault,
    startedAt: new Date(envelope.startedAt).toISOString(),
    selection: request.selection,
    windowDays: request.windowDays,
    samples: request.samples,
    backup: { backupId: backup.backupId, startedAt: backup.startedAt, ...(backup.endedAt !== undefined ? { endedAt: backup.endedAt } : {}), strategy: backup.strategy },
    rpo,
    restores,
  };
}
