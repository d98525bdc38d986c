import { z } from 'zod';
import { type ProtectionPlanConfig } from '../../config/lifeboat-config';
import { backupIdStartedAt } from '../backup/backup-id';
import { type BackupCatalog, type InvalidBackupItem } from '../catalog/backup-catalog';
import { type BackupRecord } from '../catalog/backup-record';
import { type CatalogRebuildMarker } from '../catalog/catalog-rebuild-marker';
import { choiceInRebuildGap } from '../catalog/catalog-rebuild-order';
import { comparedInstant } from '../catalog/compared-instant';
import { newestFirst } from '../catalog/newest-first';
import { recordInstant } from '../catalog/record-instant';
import { rebuildGapAdvice, rebuildGapReason } from '../catalog/point-in-time-in-rebuild-gap-error';
import { parsedInstant } from '../catalog/parsed-instant';
import { quotedItemKeyPart, shownItemKeyPart } from '../catalog/shown-item-key';
import { chooseSourceCopy, mirrorChoiceSchema } from '../mirror/mirror-choice';
import { type MirrorLog } from '../mirror/mirror-log';
import { InvalidInputError } from '../runtime/errors';
import { SAFE_RESTORE_ID, safeRestoreId } from '../restore/restore-id';
import { restoreTargetSchema } from '../restore/restore-request';
import { drCatalogLostHint } from './dr-catalog-lost-hint';
import { type FailoverGrantLog } from './failover-grant';
import { type FailoverRanIn } from './failover-incomplete';
import { type FailoverRequest, parseFailoverRequest } from './failover-request';
import { failoverTargets, prepareFailoverTargets, type PrepareTargetsDeps } from './failover-targets';
import { UnreadableNewerBackupError, unreadableMaybeNewer, unreadableRecords } from './unreadable-newer-backups';

/** What the restore chain takes per source (lambdas/restore/restore-request.ts): always from the DR vault. */
export const failoverRestoreRequestSchema = z.strictObject({
  source: z.string().min(1),
  backupId: z.string().min(1),
  target: restoreTargetSchema,
  overwrite: z.boolean(),
  vault: z.literal('dr'),
});
export type FailoverRestoreRequest = z.infer<typeof failoverRestoreRequestSchema>;

/** The result of the first state (`$.failover`), which the Map and the report read. */
export const failoverStartSchema = z.object({
  failoverId: z.string().min(1),
  plan: z.string().min(1),
  startedAt: z.string().min(1),
  backup: z.object({ backupId: z.string().min(1), startedAt: z.string().min(1), endedAt: z.string().min(1).optional() }),
  restores: z.array(z.object({ restoreId: z.string().regex(SAFE_RESTORE_ID), request: failoverRestoreRequestSchema })),
  /** Per source of the plan: mirror or vault, and why (absent in the state of a failover started before mirrors). */
  choices: z.array(mirrorChoiceSchema).optional(),
  /** The target buckets whose lifecycle rule aborts a stopped restore's uploads (failover-targets.ts); absent in the state of a failover started before it was kept. */
  bucketsAbortingUploads: z.array(z.string()).optional(),
});
export type FailoverStart = z.infer<typeof failoverStartSchema>;

/** The first state's envelope: the user's input and the execution it starts. */
export type FailoverStartInput = { input: unknown; execution: string; startedAt: string; /** Its ARN ($$.Execution.Id), kept in the grants. @default the name */ executionArn?: string };

/** What the failover reads of the DR catalog: the plan's records, one by id, and an unfinished rebuild's marker (for a choice by time). */
export type FailoverCatalog = Pick<BackupCatalog, 'getBackup' | 'listBackupsOfPlan'> & { rebuildMarker(): Pick<CatalogRebuildMarker, 'read'> };

export type FailoverStartDeps = PrepareTargetsDeps & {
  plans: readonly ProtectionPlanConfig[];
  /** The catalog of the function's home: in the DR stack, the DR catalog, which lists the backups copied to the DR vault (`forgottenAt`: since forgotten by its retention). */
  catalog: FailoverCatalog;
  /** The mirrors' last checks in the same catalog; without it every source comes from the vault. */
  mirrors?: Pick<MirrorLog, 'get'>;
  /** `<prefix>-mirror-` (LIFEBOAT_MIRROR_BUCKET_PREFIX). */
  mirrorBucketPrefix?: string;
  /**
   * Where the restores are granted to the children (failover-grant.ts), for `seconds`: the children refuse a restore
   * without its grant. Absent: none written (tests of the start alone); the handler always gives it.
   */
  grants?: { log: Pick<FailoverGrantLog, 'grant'>; seconds: number; now?: () => Date };
  /** The function's environment and whether it is the local cloud's, for the catalog rebuild command its errors name. */
  ranIn?: FailoverRanIn;
};

/**
 * The failover's first state: validates every field, resolves the backup in the DR catalog (by id,
 * the newest committed one at or before `at`, or the newest committed one; always one the DR vault's
 * retention has not forgotten, and never an older one in the place of a record it cannot read), checks that it holds
 * every source of the plan, checks every target and creates the missing buckets. Returns one
 * restore request per source for the restore chain. Invalid input fails here, before anything is
 * written (buckets are created only after every check passed). A mirrored source whose last mirror
 * check is within the plan's RPO is not restored: its mirror is its copy (`choices` says which and why).
 */
export async function startFailover(envelope: FailoverStartInput, deps: FailoverStartDeps): Promise<FailoverStart> {
  const request = parseFailoverRequest(envelope.input, deps.plans);
  const plan = request.planConfig;
  const backup = await resolveFailoverBackup(request, deps.catalog, deps.region, deps.ranIn);
  const held = new Set(backup.sources.map((s) => s.name));
  const missing = plan.sources.filter((s) => !held.has(s.name)).map((s) => s.name);
  if (missing.length > 0) {
    const field = request.backupId !== undefined ? 'backupId' : request.at !== undefined ? 'at' : 'plan';
    // The id is the DR catalog's record's when chosen by time, any string: raw, an ESC rewrote the line (review r64L F2).
    throw new InvalidInputError(
      `Invalid failover input: ${field}: backup ${shownItemKeyPart(backup.backupId)} holds no snapshot of ${missing.join(', ')} (sources of plan "${plan.name}" added after it?); ` +
        `choose a later backup that holds every source, or restore the others one by one with the restore runbook`,
    );
  }
  const startedAt = Date.parse(envelope.startedAt);
  const choices = await Promise.all(
    plan.sources.map(async (source) =>
      chooseSourceCopy(source, await deps.mirrors?.get(source.name), {
        rpoMinutes: plan.objectives.rpoMinutes,
        startedAt,
        mirrorBucketPrefix: deps.mirrorBucketPrefix,
        useMirrors: request.useMirrors && deps.mirrors !== undefined,
        useMirrorsGiven: request.useMirrorsGiven,
      }),
    ),
  );
  const fromVault = plan.sources.filter((s) => choices.find((c) => c.source === s.name)?.use !== 'mirror');
  const targets = failoverTargets(fromVault, deps.restoreTargetPrefix, request.targetSuffix, deps.mountPath);
  const { bucketsAbortingUploads } = await prepareFailoverTargets(targets, request.overwrite, { ...deps, sources: deps.plans.flatMap((p) => p.sources) });
  const failoverId = envelope.execution;
  const restores = targets.map(({ source, target }) => ({
    restoreId: restoreIdOf(failoverId, source.name),
    request: { source: source.name, backupId: backup.backupId, target, overwrite: request.overwrite, vault: 'dr' as const },
  }));
  // This step runs after the approval (failover-workflow.ts): a grant says this very request was approved (audit h6-1).
  if (deps.grants) await deps.grants.log.grant(restores, envelope.executionArn ?? failoverId, deps.grants.now?.() ?? new Date(), deps.grants.seconds);
  return {
    failoverId,
    plan: plan.name,
    startedAt: new Date(envelope.startedAt).toISOString(),
    backup: { backupId: backup.backupId, startedAt: backup.startedAt, ...(backup.endedAt !== undefined ? { endedAt: backup.endedAt } : {}) },
    restores,
    choices,
    bucketsAbortingUploads,
  };
}

/**
 * The backup a failover restores, from the catalog; errors name the field that chose it. Only a backup
 * the DR vault still keeps qualifies: records its retention forgot (`forgottenAt`) stay COMMITTED for
 * the history, but their snapshots are gone, and the restore chain would refuse them only after
 * startFailover has created the targets. Chosen by time (newest, or `at`), it is refused with
 * UnreadableNewerBackupError when a record the catalog passed over may be of a later backup within that time, and with
 * InvalidInputError when an unfinished rebuild of the catalog has not written down to it yet: either way the failover
 * would restore an older backup in its place unseen (reviews 43c F2, rH F2, rP F1). `region`: the catalog's, for the
 * delete command that error gives. `ranIn`: where the function runs, for the rebuild command of a DR catalog that may
 * have been lost (no backup of the plan in it; audit a59A F1, F6; review r60E F3).
 */
export async function resolveFailoverBackup(
  request: Pick<FailoverRequest, 'plan' | 'backupId' | 'at'>,
  catalog: FailoverCatalog,
  region?: string,
  ranIn?: FailoverRanIn,
): Promise<BackupRecord> {
  if (request.backupId !== undefined) {
    const record = await catalog.getBackup(request.backupId);
    if (!record) {
      // A DR catalog that holds backups of the plan was not lost, it has not had this one replicated yet: the rebuild
      // hint there sent an operator to rebuild a sound catalog (review r60E F3). Unless the one asked for is older than
      // all it holds: a catalog lost and recreated empty holds only the backups replicated since (review r60J F3).
      const { held, oldestStartedAt } = await keptBackupsOf(request.plan, catalog);
      const askedAt = backupIdStartedAt(request.backupId);
      // Qualified as the at's (review r61G F1, r61D): a sound DR catalog holds no backup before the plan's first replicated one.
      const lostHint = lostHintFor(askedAt, { held, oldestStartedAt }, ranIn);
      throw new InvalidInputError(
        `Invalid failover input: backupId: backup ${request.backupId} is not in the DR catalog (not replicated to the DR vault?); leave backupId out for the newest backup of plan "${request.plan}" that the DR catalog holds` +
          (lostHint !== undefined ? `; ${lostHint}` : ''),
      );
    }
    // The record's plan is any string: cut and escaped, as a newline or ESC in it forged the refusal's lines (review r64L F2),
    // and JSON-quoted, as a `"` of its own closed the quotes and spelled another plan (review r64Q F6).
    if (record.plan !== request.plan) throw new InvalidInputError(`Invalid failover input: backupId: backup ${request.backupId} is a backup of plan ${quotedItemKeyPart(record.plan)}, not of plan "${request.plan}"`);
    if (record.status !== 'COMMITTED') throw new InvalidInputError(`Invalid failover input: backupId: backup ${request.backupId} is ${record.status}; only a COMMITTED backup can be restored`);
    if (record.forgottenAt !== undefined) {
      const newest = (await keptBackupsOf(request.plan, catalog)).kept[0];
      throw new InvalidInputError(
        `Invalid failover input: backupId: backup ${request.backupId} was forgotten by the DR vault's retention at ${parsedInstant(record.forgottenAt) ?? shownItemKeyPart(record.forgottenAt)}: its snapshots are no longer in the DR vault; ` +
          (newest
            ? `the newest kept is ${shownItemKeyPart(newest.backupId)} (${startedPhrase(newest.startedAt, 'started')}): give it as backupId, or leave backupId out for it`
            : `plan "${request.plan}" has no backup the DR vault keeps`),
      );
    }
    return record;
  }
  const { kept, forgotten, untimed, unreadable, held, oldestStartedAt } = await keptBackupsOf(request.plan, catalog);
  const refuseUnreadableNewer = (chosen: BackupRecord | undefined): void => {
    const newer = unreadableMaybeNewer(unreadable, { after: chosen?.startedAt, upTo: request.at });
    if (newer.length > 0) throw new UnreadableNewerBackupError('failover', request.plan, { region, vault: 'dr', localDynamoDb: ranIn?.localDynamoDb }, chosen, newer);
  };
  if (request.at !== undefined) {
    const at = Date.parse(request.at);
    const record = kept.find((r) => recordInstant(r.startedAt) <= at);
    refuseUnreadableNewer(record);
    // An unfinished rebuild of the DR catalog (catalog-rebuild-marker.ts) may lack the backup of that time, newest
    // written first: one chosen older than its mark may stand for a backup not written yet (review rH F2).
    const marker = await catalog.rebuildMarker().read();
    if (marker && choiceInRebuildGap(record, marker)) {
      throw new InvalidInputError(
        `Invalid failover input: at: plan "${request.plan}" has ${record ? `backup ${shownItemKeyPart(record.backupId)} (${startedPhrase(record.startedAt, 'started')}) as the newest` : 'no backup'} in the DR catalog at or before ${request.at}, ` +
          `but ${rebuildGapReason(marker)}. ${rebuildGapAdvice(marker, { retry: 'start the failover with this at again', byId: 'give the backupId to fail over to now' })}`,
      );
    }
    if (!record) {
      const forgottenBefore = forgotten.filter((r) => recordInstant(r.startedAt) <= at).length;
      const oldest = kept.at(-1);
      // An at older than every record of the plan may be the time a lost catalog, recreated empty since, held backups
      // of; "give an at from then on" alone hid that the DR vault may keep them (review f60P). But a sound DR catalog
      // holds committed backups only, none before the plan's first replicated one (a young plan, a date or zone typed
      // wrong): the hint says only what is known, that backups the DR vault holds from before then were lost from it
      // (review r61G F1). With no record of the plan at all, the whole catalog may have been lost.
      const lostHint = lostHintFor(at, { held, oldestStartedAt }, ranIn);
      throw new InvalidInputError(
        `Invalid failover input: at: plan "${request.plan}" has no committed backup in the DR catalog started at or before ${request.at}` +
          (forgottenBefore > 0 ? ` that the DR vault keeps (${forgottenBefore} started by then were forgotten by its retention)` : '') +
          untimedNote(untimed) +
          (oldest ? `; its oldest kept backup is ${shownItemKeyPart(oldest.backupId)}, ${startedPhrase(oldest.startedAt, 'started at')}: give an at from then on` : '; it has none the DR vault keeps') +
          (lostHint !== undefined ? `; ${lostHint}` : ''),
      );
    }
    return record;
  }
  const newest = kept[0];
  refuseUnreadableNewer(newest);
  // The newest as much as `at`: a rebuild cut before its first write leaves its mark at the vault's newest backup, and
  // the catalog (a PITR copy, say) may hold only older ones, which would be restored as the newest without a word (review rP F1).
  const marker = await catalog.rebuildMarker().read();
  if (marker && choiceInRebuildGap(newest, marker)) {
    throw new InvalidInputError(
      `Invalid failover input: plan: plan "${request.plan}" has ${newest ? `backup ${shownItemKeyPart(newest.backupId)} (${startedPhrase(newest.startedAt, 'started')}) as the newest` : 'no backup'} in the DR catalog, ` +
        `but ${rebuildGapReason(marker)}. ${rebuildGapAdvice(marker, { retry: 'start the failover again', byId: 'give the backupId to fail over to now' })}`,
    );
  }
  if (!newest) {
    throw new InvalidInputError(
      `Invalid failover input: plan: plan "${request.plan}" has no committed backup in the DR catalog` +
        untimedNote(untimed) +
        (forgotten.length > 0
          ? ` that the DR vault keeps (its retention forgot all ${forgotten.length}); a backup that reaches it from now on can be failed over to`
          : `; a backup reaches it once the backup's Replicate step has copied it to the DR vault${held === 0 ? `; ${drCatalogLostHint(ranIn)}` : ''}`),
    );
  }
  return newest;
}

/**
 * A record's start as the refusals name it: the instant its text parses to, never the text. A record that validates
 * still holds any non-empty backupId and startedAt: printed raw, an ESC or newline reached the operator's terminal and
 * 200 characters spelled another record's delete beside the real ones of a refusal (review r64G F6; its id is shown by
 * shownItemKeyPart), as unreadable-newer-backups.ts names the chosen backup.
 */
function startedPhrase(startedAt: string, lead: 'started' | 'started at'): string {
  // As compared (recordInstant): a zoneless start shown in the process's zone said another instant (review r64O F2).
  const started = comparedInstant(startedAt);
  return started !== undefined ? `${lead} ${started}` : 'its startedAt is not a time';
}

/**
 * What a failover that found no backup passed over as starting at no time (keptBackupsOf): without it, "no committed
 * backup" hid records it holds, which only a backupId can choose (review r64G F2).
 */
function untimedNote(untimed: readonly BackupRecord[]): string {
  if (untimed.length === 0) return '';
  const first = shownItemKeyPart(untimed[0]?.backupId ?? '');
  return untimed.length === 1
    ? `; backup ${first}, whose startedAt is not a time, was passed over: give its backupId to fail over to it`
    : `; ${untimed.length} backups whose startedAt is not a time were passed over (${first} and others): give one's backupId to fail over to it`;
}

/**
 * The rebuild hint of a DR catalog that lacks the backup asked for, started at `askedAt` (of its id, or the `at`): with
 * no record of the plan at all, the whole catalog may have been lost; asked for before every record it holds, a catalog
 * recreated empty since may have lost the older ones (review r61G F1). Otherwise it was not lost, only not replicated to
 * yet (review r60E F3), and there is no hint.
 */
function lostHintFor(askedAt: number | undefined, of: { held: number; oldestStartedAt: number | undefined }, ranIn: FailoverRanIn | undefined): string | undefined {
  if (of.held === 0) return drCatalogLostHint(ranIn);
  const { oldestStartedAt } = of;
  const olderThanAll = askedAt !== undefined && oldestStartedAt !== undefined && askedAt < oldestStartedAt;
  return olderThanAll ? drCatalogLostHint(ranIn, new Date(oldestStartedAt).toISOString()) : undefined;
}

/**
 * The plan's committed backups in the catalog, newest first: those the DR vault keeps, and those its retention forgot;
 * the records it passed over as invalid (each logged as well); and `held`, how many records of the plan it holds, of
 * any status, invalid ones too: only a catalog that holds none may have been lost (drCatalogLostHint). A committed
 * record whose `startedAt` is no time (the schema takes any non-empty string) is left out, as the drill leaves it out
 * (drill-selection.ts): sorted as NaN it could stand anywhere in the order, and the index's string order put one
 * first, restored as "the newest" (review r64G F2); `untimed` holds those the DR vault keeps, for the errors to name. Starts naming no zone are read as UTC (recordInstant).
 */
async function keptBackupsOf(
  plan: string,
  catalog: Pick<BackupCatalog, 'listBackupsOfPlan'>,
): Promise<{ kept: BackupRecord[]; forgotten: BackupRecord[]; untimed: BackupRecord[]; unreadable: InvalidBackupItem[]; held: number; oldestStartedAt: number | undefined }> {
  const unreadable = unreadableRecords();
  // Sorted here rather than trusting the index's order: startedAt strings of other writers may differ in precision.
  const records = await catalog.listBackupsOfPlan(plan, { onInvalid: unreadable.onInvalid });
  const committed = newestFirst(records.filter((r) => r.status === 'COMMITTED' && !Number.isNaN(recordInstant(r.startedAt))));
  return {
    kept: committed.filter((r) => r.forgottenAt === undefined),
    forgotten: committed.filter((r) => r.forgottenAt !== undefined),
    untimed: records.filter((r) => r.status === 'COMMITTED' && r.forgottenAt === undefined && Number.isNaN(recordInstant(r.startedAt))),
    unreadable: unreadable.items,
    held: records.length + unreadable.items.length,
    // Of any status: a record of the plan, even a failed backup's, says the catalog held the plan since then.
    oldestStartedAt: records.map((r) => recordInstant(r.startedAt)).filter((at) => !Number.isNaN(at)).reduce<number | undefined>((oldest, at) => (oldest === undefined || at < oldest ? at : oldest), undefined),
  };
}

/**
 * The restore id of one source of a failover: `<failover id>-<source>`, which says where it comes from. An execution
 * name may hold characters a restore id may not, and with the source appended may pass 80 characters: then
 * safeRestoreId replaces and cuts the failover id, and 8 hex of its SHA-256 keep it unique; the source stays whole
 * (a source's name is a safe id of at most 32 characters, lifeboat-config.ts).
 */
export function restoreIdOf(failoverId: string, source: string): string {
  return safeRestoreId(failoverId, `-${source}`);
}
