import { randomUUID } from 'node:crypto';
import { type SourceConfig } from '../../config/lifeboat-config';
import { type BackupCatalog } from '../catalog/backup-catalog';
import { type BackupRecord } from '../catalog/backup-record';
import { type FailoverGrantLog } from '../failover/failover-grant';
import { ForgottenBackupError, UnknownBackupError } from '../catalog/catalog-errors';
import { parsedInstant } from '../catalog/parsed-instant';
import { quotedItemKeyPart, shownItemKeyPart } from '../catalog/shown-item-key';
import { classifyError, InvalidInputError, TransientError } from '../runtime/errors';
import { type Snapshot } from '../../vault';
import { type Vault } from '../../vault';
import { snapshotPathOf, VaultNotFoundError, VaultObjectNotFoundError } from '../../vault';
import { parseRestoreRequest } from './restore-request';
import { BackupNotReplicatedError, SnapshotMismatchError } from './restore-errors';
import { checkTargetAllowed } from './restore-target-policy';
import { checkTargetState, type TargetDeps } from './restore-target-state';
import { tableSchemaSchema } from '../sources/dynamodb-table-schema';
import { readBackupRecord, type RestorableBackup, snapshotOfSource } from './restored-backup';
import { type ResolvedRestore } from './resolved-restore';
import { pinsItsBackup, restorePinOf } from './restore-pin';
import { claimRestoreTarget, releaseRestoreTarget, type TargetClaimDeps } from './target-claim';
import { RestoreTargetClaimedError } from './restore-target-claimed-error';

export type ResolveRestoreDeps = TargetDeps & {
  /** New buckets and tables a restore may create start with this (LIFEBOAT_RESTORE_TARGET_PREFIX). */
  restoreTargetPrefix: string;
  /** Where the EFS file system is mounted (in AWS, when one is configured): directory targets must be inside it. */
  mountPath?: string | undefined;
  sources: readonly SourceConfig[];
  catalog: Pick<BackupCatalog, 'requireBackup' | 'backupAsOf'>;
  openVault: (side: 'primary' | 'dr') => Promise<Vault>;
  /** The vault of the function's region: the default of the request's `vault`, and in the DR region the only one. @default 'primary' */
  homeVault?: 'primary' | 'dr';
  /**
   * Pins the backup in `catalog` (restore-pin.ts) for `seconds` (the restore workflow's timeout) when the
   * restore reads the home vault. Absent: no pin (callers that run no forget beside the restore: tests, the
   * bench); the handler always gives it.
   */
  pin?:
    | {
        catalog: Pick<BackupCatalog, 'pinBackup' | 'unpinBackup'>;
        seconds: number;
        /** This invocation's pin nonce (RestorePin.nonce). @default a random UUID */
        nonce?: () => string;
      }
    | undefined;
  /**
   * Claims the target in the catalog (target-claim.ts) for `seconds` (the pin's) before it is checked: one restore
   * writes a target at a time. Absent: no claim (tests and the bench, which run one restore at a time); the handler
   * always gives it. Its nonce is the pin's (one per invocation).
   */
  claim?: (TargetClaimDeps & { nonce?: () => string }) | undefined;
  /**
   * A failover child's: the request must be the one its failover granted after the approval, taken by this execution
   * (failover-grant.ts, audit h6-1), checked before anything else. `parent`: the failover's state machine name.
   * Absent: the restore runbook (its own approval step) and the drill (scratch targets only).
   */
  failoverGrant?: { grants: Pick<FailoverGrantLog, 'claim'>; parent: string; execution: string | undefined } | undefined;
  now?: () => Date;
};

/** Snapshot source kinds that hold each type of Lifeboat source ('directory' is the vault CLI's name). */
const KINDS: Record<SourceConfig['type'], readonly string[]> = { s3: ['s3'], dynamodb: ['dynamodb'], filesystem: ['filesystem', 'directory'] };

/**
 * The first step of the restore runbook: validates every field of the request (each error names
 * the field), resolves the backup (by id, or the newest committed one at or before a point in
 * time), finds the source's snapshot in the chosen vault, and checks that the target may and can
 * receive it. Writes only the restore's claim on its target (target-claim.ts: taken before the target is checked, so
 * that no other restore writes it between the check and this restore's writes) and its pin on the backup (restore-pin.ts), once the backup is known
 * not to be forgotten and before its snapshot is read: a pin that lands guarantees the snapshot is there
 * (no forget deletes it from then on); one refused fails the resolve with ForgottenBackupError.
 */
export async function resolveRestore(raw: unknown, restoreId: string, deps: ResolveRestoreDeps): Promise<ResolvedRestore> {
  if (deps.failoverGrant) {
    const { grants, parent, execution } = deps.failoverGrant;
    // The state machine always passes it; a direct invocation without it has no execution to bind the grant to.
    if (execution === undefined) throw new InvalidInputError(`Invalid restore-source input: execution: is required; a failover's restore runs only as a step of an approved failover: start ${parent}`);
    await grants.claim(restoreId, raw, execution, deps.now?.() ?? new Date(), parent);
  }
  const request = parseRestoreRequest(raw, deps.sources, deps.homeVault);
  const source = request.sourceConfig;
  if (request.backupId === undefined && request.pointInTime === undefined) {
    throw new InvalidInputError('Invalid restore request: backupId: give the backup to restore, as "backupId" or as "pointInTime" (the newest committed backup at or before it)');
  }
  if (request.filter && source.type === 'dynamodb') {
    throw new InvalidInputError('Invalid restore request: filter: a DynamoDB table is restored whole; remove "filter" (it applies to S3 keys and directory paths)');
  }
  const prefix = filterPrefixOf(request.filter?.prefix, source.type);
  checkTargetAllowed(deps.restoreTargetPrefix, source, request.target, deps.mountPath, deps.sources);

  const record = readBackupRecord(
    request.backupId !== undefined ? await requireBackupIn(deps, request.backupId) : await deps.catalog.backupAsOf(source.name, new Date(request.pointInTime ?? '').toISOString()),
  );
  const sourceSnapshot = snapshotOfSource(record, source.name);
  // The catalog is the home region's: its forgottenAt is about the home vault; the other vault may still keep the backup.
  const home = deps.homeVault ?? 'primary';
  if (record.forgottenAt !== undefined && request.vault === home) throw new ForgottenBackupError(request.backupId ?? record.backupId, record.forgottenAt, request.vault);
  const pin = pinsItsBackup(request, home) ? deps.pin : undefined;
  // Every invocation of this step of one execution pins under the same restore id (the execution's name); the
  // nonce tells this invocation's pin from that of a later one, which overwrites it and then owns the pin.
  const claim = deps.claim;
  const nonce = pin || claim ? (pin?.nonce ?? claim?.nonce ?? randomUUID)() : undefined;
  const now = (deps.now ?? (() => new Date()))();
  if (pin) await pin.catalog.pinBackup(record.backupId, restoreId, restorePinOf(restoreId, now, pin.seconds, nonce), request.vault);
  try {
    // Before the target's check, which is sound only once no other restore can write the target (target-claim.ts).
    if (claim) await claimRestoreTarget(request.target, restoreId, now, claim, { nonce, backupId: record.backupId });
    return await resolveSnapshotAndTarget(request, record, sourceSnapshot.snapshotId, { restoreId, prefix }, deps);
  } catch (err) {
    // Its claim as its pin: released for good failures only, and only while this invocation owns it (the latest
    // invocation does: BackupCatalog.claimTarget). A claim refused is another restore's, never this one's to release.
    // A failure the workflow retries keeps it, for the retry; one whose retries run out, or an invocation that times
    // out or crashes, leaves it to the workflow's "Release restore" step (release-unplanned-restore.ts).
    if (claim && !(err instanceof RestoreTargetClaimedError) && !(classifyError(err) instanceof TransientError)) {
      await releaseRestoreTarget(claim.catalog, request.target, restoreId, nonce).catch(() => false);
    }
    // A resolve that fails for good leaves no pin: its failure path has no abandon step (nothing was planned). Quietly:
    // the resolve's own error is what the operator must see, and a pin left behind stops counting at its `until`.
    // One the workflow retries (TransientError, as the handler classifies it) keeps its pin: a forget during the
    // retry's backoff must not take the backup the retry will pin again under the same restore id.
    // Only its own pin (audit R17 F1): a slow invocation whose retry already runs the restore may fail late (its
    // target check finds the retry's files), and must not unpin the backup that restore is reading.
    if (pin && !(classifyError(err) instanceof TransientError)) await pin.catalog.unpinBackup(record.backupId, restoreId, { nonce }).catch(() => false);
    throw err;
  }
}

/** The rest of the resolve, once the backup is known and pinned: its snapshot from the chosen vault, and the target's checks. */
async function resolveSnapshotAndTarget(
  request: ReturnType<typeof parseRestoreRequest>,
  record: RestorableBackup,
  snapshotId: string,
  restore: { restoreId: string; prefix: string },
  deps: ResolveRestoreDeps,
): Promise<ResolvedRestore> {
  const { restoreId, prefix } = restore;
  const source = request.sourceConfig;
  const snapshot: Snapshot = await loadSnapshotFrom(deps.openVault, request.vault, snapshotId, record, source.name);
  if (!KINDS[source.type].includes(snapshot.source.kind)) {
    throw new SnapshotMismatchError(
      `Snapshot ${snapshot.id.slice(0, 12)} of backup ${record.backupId} holds a ${snapshot.source.kind} source, but "${source.name}" is a ${source.type} source; the catalog and the vault disagree`,
    );
  }
  // The backup's key schema, so that an overwrite into a table keyed otherwise is refused here, before an approval (an invalid one: the plan step says why).
  const schema = request.target.type === 'dynamodb' ? tableSchemaSchema.safeParse(snapshot.source['schema']) : undefined;
  await checkTargetState(request.target, request.overwrite, deps, {
    allowUnprotectedTarget: request.allowUnprotectedTarget,
    ...(schema?.success ? { backupTable: { schema: schema.data, backupId: record.backupId } } : {}),
  });
  return {
    restoreId,
    source: { name: source.name, type: source.type },
    backupId: record.backupId,
    backupStartedAt: record.startedAt,
    snapshotId: snapshot.id,
    vault: request.vault,
    target: request.target,
    overwrite: request.overwrite,
    keepSetIdBits: request.keepSetIdBits,
    ...(request.timeToLive !== undefined ? { timeToLive: request.timeToLive } : {}),
    prefix,
    startedAt: (deps.now ?? (() => new Date()))().toISOString(),
    ...(source.type === 'dynamodb' && source.writeBudget ? { writeBudget: source.writeBudget } : {}),
  };
}

/** The snapshot from the chosen vault; from the DR vault, a missing one means the backup was not replicated, and the error says so. */
async function loadSnapshotFrom(open: ResolveRestoreDeps['openVault'], side: 'primary' | 'dr', snapshotId: string, record: RestorableBackup, sourceName: string): Promise<Snapshot> {
  try {
    return await (await open(side)).loadSnapshot(snapshotId);
  } catch (err) {
    if (side !== 'dr' || !(err instanceof VaultObjectNotFoundError || err instanceof VaultNotFoundError)) throw err;
    const status = record.copies?.dr ?? 'not recorded';
    // COMMITTED: it was copied, so the DR vault's own retention forgot it (the DR catalog records that, this region's
    // may not) or the copy was lost; replication copies neither again. Otherwise the next backup's Replicate copies it.
    // Never copied, and forgotten by the primary vault's retention meanwhile (this record is the primary region's): no vault holds it.
    const { forgottenAt } = record;
    const lostEverywhere = status !== 'COMMITTED' && forgottenAt !== undefined;
    const why =
      status === 'COMMITTED'
        ? 'It was copied there, so the DR vault\'s retention forgot it (drRetention), which no backup copies again, or its copy was lost (lifeboat scrub compares the vaults).'
        : lostEverywhere
          ? `It never reached the DR vault: the primary vault's retention forgot it at ${parsedInstant(forgottenAt) ?? 'a forgottenAt that is not a time'} before a Replicate step copied it, so neither vault holds it; choose a kept backup (lifeboat backups list).`
          : `It never reached the DR vault (yet): a backup of plan ${quotedItemKeyPart(record.plan)} copies it: its Replicate step copies every backup the DR vault lacks.`;
    throw new BackupNotReplicatedError(
      // The source by name: a drill restores several at once, and its verdict quotes this message alone. The record's id,
      // plan and forgottenAt are any strings: shown escaped and cut, as an ESC or `"` in one forged the message (review r64Q F6).
      `Backup ${shownItemKeyPart(record.backupId)} is not in the DR vault: its snapshot of source "${sourceName}" is missing (${err.message}; its DR copy status in this region's catalog: ${status}); ${lostEverywhere ? '' : 'restore it from the primary vault ("vault": "primary"). '}${why}`,
      { cause: err },
    );
  }
}

/**
 * The filter's prefix as the plan matches it: an S3 key prefix as given (a plain string prefix, as S3
 * lists); a directory path as entry paths are written (snapshotPathOf), so that `/docs`, `./docs`
 * and `docs/` all name the directory `docs` with its own entry.
 */
function filterPrefixOf(raw: string | undefined, sourceType: SourceConfig['type']): string {
  if (raw === undefined || sourceType !== 'filesystem') return raw ?? '';
  const path = snapshotPathOf(raw);
  if (path === null) throw new InvalidInputError(`Invalid restore request: filter.prefix: ${JSON.stringify(raw)} has a ".." part; a directory path in a backup is relative to the backed-up directory ("var/log")`);
  return path;
}

/** The named backup from the home region's catalog; in the DR region, a miss says that the DR catalog holds replicated backups only. */
async function requireBackupIn(deps: Pick<ResolveRestoreDeps, 'catalog' | 'homeVault'>, backupId: string): Promise<BackupRecord> {
  try {
    return await deps.catalog.requireBackup(backupId);
  } catch (err) {
    if (err instanceof UnknownBackupError && deps.homeVault === 'dr') throw new UnknownBackupError(backupId, 'DR');
    throw err;
  }
}
