import { loadManifestRoot, manifestKey, ObjectLockedError, snapshotKey, VaultCorruptionError, type VaultKeys, VaultObjectNotFoundError, type VaultStore } from '../../vault';
import { type BackupRecord, type BackupSourceRecord } from '../catalog/backup-record';
import { quotedCatalogName, shownCatalogName } from '../catalog/shown-catalog-name';
import { recordInstant } from '../catalog/record-instant';
import { pinnedReason } from './decide-retention';
import { type VaultSide } from '../runtime/runtime-config';
import { type ForgetCatalog, type ForgetVault } from './forget-backups';
import { livePins } from './live-pins';
import { LostBackupRefusedError } from './lost-backup-refused-error';
import { refuseIfAuthentic } from './authentic-unparsed-object';
import { type LostSnapshot, partlyLostNote, treeReadsAdvice } from './lost-backup-advice';
import { otherSide } from '../replication/other-side';
import { pastedIdWord } from '../catalog/pasted-id-word';

/** What a snapshot object is in a vault where it does not read: gone, or there and failing to decrypt or parse. */
export type LostSnapshotState = 'missing' | 'corrupt';

/** What reads a manifest root in a vault: a backup's tree may read without its snapshot object. */
type TreeReading = { store: VaultStore; keys: VaultKeys };

export type ForgetLostBackupDeps = {
  /** The vault the backup is forgotten from, and the catalog of its region. */
  vault: VaultSide;
  catalog: Pick<ForgetCatalog, 'getBackup' | 'claimForgetting' | 'markForgotten'>;
  openVault: () => Promise<ForgetVault & TreeReading>;
  /** The other vault, read only, to show the snapshots and trees read there neither. */
  openOtherVault: () => Promise<Pick<ForgetVault, 'loadSnapshot'> & TreeReading>;
  now: Date;
  /**
   * The target options (` --env prod --aws`) the command lines a refusal prints carry, so that pasted they act where this
   * run did, not on the local cloud (review r60C F5); the CLI passes targetOptionsLine of its own.
   */
  targetOptions?: string;
};

export type ForgetLostReport = {
  vault: VaultSide;
  backupId: string;
  dryRun: boolean;
  /** Each snapshot of the backup, as it is in this vault (`here`) and in the other. */
  snapshots: { snapshotId: string; here: LostSnapshotState; other: LostSnapshotState }[];
  /** Snapshot objects this run deleted from this vault (those there, corrupt); 0 in a dry run. */
  deletedObjects: number;
  /** This run marked the record forgotten (false in a dry run, and when it was forgotten already). */
  forgotten: boolean;
  /** When it was forgotten, if it was before this run: nothing was done. */
  forgottenBefore?: string;
};

/**
 * Why a backup the catalog lacks is refused, and where to look. `lifeboat backups list` lists the primary catalog
 * alone (the DR catalog only with the primary unreadable), so for the DR vault it is named as such, with its DR COPY
 * column: pointed at as the list of the DR catalog's backups, it listed the very backup refused (review r60G F6).
 */
function noSuchBackup(vault: VaultSide, targetOptions: string): string {
  if (vault === 'primary') return `the primary catalog holds no such backup (\`lifeboat backups list${targetOptions}\` lists them)`;
  return `the dr catalog holds no such backup (\`lifeboat backups list${targetOptions}\` lists the primary catalog's backups, not the DR catalog's; its DR COPY column says whether each was copied to the DR vault)`;
}

/**
 * `lifeboat backups forget --lost <backupId>` (docs/RUNBOOKS.md, "Retention"): forgets from one vault, whatever its
 * plan's retention keeps, a committed backup none of whose snapshots reads in either vault (each object missing, or
 * failing to decrypt or parse: VaultObjectNotFoundError, VaultCorruptionError). Retention forgets such a backup only
 * when its policy lets it go, and then leaves a snapshot object it cannot read in place (forget-backups.ts, disputeOf:
 * it cannot tell whose it is), so a corrupt one stayed for good: every prune of the vault stopped on it, and the
 * scrub kept it outstanding and `lifeboat status` its plan ✗, with no command to end that (review r58F F1, F2).
 *
 * Safe because it removes only what restores nothing: a snapshot that reads in either vault refuses the whole backup
 * (a backup of several sources keeps the ones that read), and so does a manifest root the record names that reads in
 * either vault (its data may still restore, and once the backup is forgotten nothing keeps a prune from deleting it:
 * review r58L F1), and so does a vault that cannot be read for another reason (access, KMS, the network: a copy may be
 * good). A legal hold or a live restore pin refuses it too, and the claim is
 * the one retention takes (BackupCatalog.claimForgetting), so a restore and this never both win. Then, as retention
 * does, it deletes the snapshot objects from this vault, then marks the record `forgottenAt` in this vault's region's
 * catalog: run once per vault. An object Object Lock keeps stops it with the claim left, which status and restores
 * already honour (the backup reads nowhere); run again once the lock has passed.
 */
export async function forgetLostBackup(backupId: string, deps: ForgetLostBackupDeps, options: { dryRun?: boolean } = {}): Promise<ForgetLostReport> {
  const dryRun = options.dryRun === true;
  const record = await deps.catalog.getBackup(backupId);
  const targetOptions = deps.targetOptions ?? '';
  if (!record) throw new LostBackupRefusedError(backupId, noSuchBackup(deps.vault, targetOptions));
  const report: ForgetLostReport = { vault: deps.vault, backupId, dryRun, snapshots: [], deletedObjects: 0, forgotten: false };
  if (record.forgottenAt !== undefined) return { ...report, forgottenBefore: record.forgottenAt };
  if (record.status !== 'COMMITTED') throw new LostBackupRefusedError(backupId, `it is ${record.status}, not committed: only a committed backup is forgotten`);
  if (record.sources.length === 0) throw new LostBackupRefusedError(backupId, 'its record names no snapshot');
  refuseIfKept(backupId, record, deps.now, targetOptions);
  const vault = await deps.openVault();
  const other = await deps.openOtherVault();
  const there = otherSide(deps.vault);
  const found: { snapshotId: string; here: SnapshotRead; other: SnapshotRead }[] = [];
  for (const { snapshotId } of record.sources) {
    found.push({ snapshotId, here: await snapshotIn(deps.vault, vault, backupId, snapshotId), other: await snapshotIn(there, other, backupId, snapshotId) });
  }
  report.snapshots.push(...lostInBoth(backupId, found, deps.vault, there, targetOptions));
  for (const source of record.sources) {
    // Every snapshot of a backup lostInBoth let through is lost in both vaults, so `states` is found.
    const states = report.snapshots.find((s) => s.snapshotId === source.snapshotId);
    const lost = states ? lostSnapshot(states, deps.vault, there) : { snapshotId: source.snapshotId, states: [] };
    await refuseIfTreeReads(deps.vault, vault, backupId, source, lost);
    await refuseIfTreeReads(there, other, backupId, source, lost);
  }
  if (dryRun) return report;
  if (record.forgettingAt === undefined && !(await deps.catalog.claimForgetting(backupId, deps.now.toISOString(), { pinVersion: record.pinVersion }))) {
    // A hold or a pin landed since the read above (or the record changed): read again to say which.
    const current = await deps.catalog.getBackup(backupId);
    if (current) refuseIfKept(backupId, current, deps.now, targetOptions);
    throw new LostBackupRefusedError(backupId, 'the catalog refused the claim (a hold, a restore pin or another forget came meanwhile): run the command again');
  }
  for (const s of report.snapshots) {
    if (s.here !== 'corrupt') continue;
    try {
      await vault.store.delete(snapshotKey(s.snapshotId));
    } catch (err) {
      if (!(err instanceof ObjectLockedError)) throw err;
      throw new LostBackupRefusedError(
        backupId,
        `S3 Object Lock keeps snapshot ${s.snapshotId} in the ${deps.vault} vault (${err.message}); the backup stays claimed (restores refuse it, status no longer judges it): run the command again once the lock has passed`,
        { cause: err },
      );
    }
    report.deletedObjects++;
  }
  report.forgotten = await deps.catalog.markForgotten(backupId, deps.now.toISOString());
  return report;
}

/**
 * Refuses a backup a legal hold or a live restore pin keeps; `options`: the run's target options (ForgetLostBackupDeps).
 * The hold's reason and by, a pin's by and until are any strings the record holds (backupRecordSchema): shown escaped, as
 * retention's reasons show them (heldReason, pinnedReason), a newline in one forged a line of the refusal (review r62J F1).
 * A pin is told in retention's words (pinnedReason), one writer of them. The hold's reason is JSON-quoted
 * (quotedCatalogName) here, so that a `"` of its own does not read as its end within the parentheses. The backup is named
 * by the id the caller asked for, never the record's own attribute, any text under that key (review r64L F4).
 */
function refuseIfKept(backupId: string, record: BackupRecord, now: Date, options: string): void {
  if (record.hold) throw new LostBackupRefusedError(backupId, `it is on legal hold (${quotedCatalogName(record.hold.reason)}, by ${shownCatalogName(record.hold.by)}): release it first (${releaseLine(backupId, options)})`);
  const pins = livePins(record, now);
  // A pin whose until is no time keeps the backup until it is fixed (review r65T F1): no "after that" comes by itself.
  const after = pins.every((p) => !Number.isNaN(recordInstant(p.until))) ? 'run the command again after that' : 'run the command again once each pin has a time and it has passed';
  if (pins.length > 0) throw new LostBackupRefusedError(backupId, `it is ${pins.map(pinnedReason).join(', ')}: ${after}`);
}

/**
 * The release line, its id as one word that pastes as printed (pastedIdWord): whole, as cut at 40 (shownItemKeyPart) an
 * id longer than that released nothing (review r64Q F5). The id is the operator's own text (--lost): one a line cannot
 * carry (a control or unseen character, a backtick that would end the code span) is the placeholder, and the clause
 * after the line sends the operator back to what they gave, as usageOfLost leaves out its dry-run line.
 */
function releaseLine(backupId: string, options: string): string {
  const id = pastedIdWord(backupId, 'the id given to --lost', 'argument');
  return `\`lifeboat backups release ${id.word}${options}\`${id.fillIn}`;
}

/** A snapshot in one vault: it reads there, or it is lost there. */
type SnapshotRead = LostSnapshotState | 'reads';

/** How a snapshot is in `side`; a vault that cannot be read for another reason than damage refuses the backup. */
async function snapshotIn(side: VaultSide, vault: Pick<ForgetVault, 'loadSnapshot'> & TreeReading, backupId: string, snapshotId: string): Promise<SnapshotRead> {
  try {
    await vault.loadSnapshot(snapshotId);
    return 'reads';
  } catch (err) {
    if (err instanceof VaultObjectNotFoundError) return 'missing';
    if (err instanceof VaultCorruptionError) {
      // One that authenticates and does not parse is a newer Lifeboat's, not damage (review r59C F4).
      await refuseIfAuthentic(side, vault, backupId, { what: `snapshot ${snapshotId}`, key: snapshotKey(snapshotId), id: snapshotId, kind: 'snapshot' }, err);
      return 'corrupt';
    }
    const why = err instanceof Error ? err.message : String(err);
    throw new LostBackupRefusedError(backupId, `the ${side} vault could not be read to show snapshot ${snapshotId} is lost there (${why}); a copy there may be good`, { cause: err });
  }
}

/**
 * The snapshots, each lost in both vaults; refuses a backup one of whose snapshots reads in either vault, naming those
 * lost in both, so that the operator sees why a backup with a lost snapshot is not forgotten: it is forgotten whole.
 */
function lostInBoth(backupId: string, found: readonly { snapshotId: string; here: SnapshotRead; other: SnapshotRead }[], here: VaultSide, there: VaultSide, options: string): ForgetLostReport['snapshots'] {
  const lostStates: ForgetLostReport['snapshots'] = [];
  for (const s of found) if (s.here !== 'reads' && s.other !== 'reads') lostStates.push({ snapshotId: s.snapshotId, here: s.here, other: s.other });
  const reading = found.find((s) => s.here === 'reads' || s.other === 'reads');
  if (!reading) return lostStates;
  const side = reading.here === 'reads' ? here : there;
  const lostNote = lostStates.length === 0 ? '' : partlyLostNote(lostStates.map((s) => lostSnapshot(s, here, there)));
  throw new LostBackupRefusedError(
    backupId,
    `its snapshot ${reading.snapshotId} reads in the ${side} vault, so it may still restore: it is not lost (\`lifeboat scrub --fraction 1 --repair${options}\` copies a good copy over a damaged one, and \`lifeboat verify --backup ${backupId}${side === 'dr' ? ' --from dr' : ''}${options}\` tells whether it restores)${lostNote}`,
  );
}

/**
 * Refuses a backup whose source's manifest root (the catalog record's rootHash) reads in `side`: a snapshot object lost
 * with its tree intact leaves the tree's data readable, and forgetting the backup would let the next prune delete it.
 */
async function refuseIfTreeReads(side: VaultSide, vault: TreeReading, backupId: string, source: Pick<BackupSourceRecord, 'name' | 'snapshotId' | 'rootHash'>, lost: LostSnapshot): Promise<void> {
  try {
    await loadManifestRoot(vault.store, vault.keys, source.rootHash);
  } catch (err) {
    if (err instanceof VaultObjectNotFoundError) return;
    if (err instanceof VaultCorruptionError) {
      const tree = `tree ${source.rootHash} (source ${source.name}, snapshot ${source.snapshotId})`;
      return refuseIfAuthentic(side, vault, backupId, { what: tree, key: manifestKey(source.rootHash), id: source.rootHash, kind: 'manifest' }, err);
    }
    const why = err instanceof Error ? err.message : String(err);
    throw new LostBackupRefusedError(backupId, `the ${side} vault could not be read to show tree ${source.rootHash} of snapshot ${source.snapshotId} is lost there (${why}); a copy there may be good`, { cause: err });
  }
  throw new LostBackupRefusedError(
    backupId,
    `its tree ${source.rootHash} (source ${source.name}, snapshot ${source.snapshotId}) still reads in the ${side} vault: its data may still restore, ` +
      `and once the backup is forgotten a prune may delete it. ${treeReadsAdvice(lost, source.rootHash)}`,
  );
}

/** A snapshot lost in both vaults as the advice names it: how it is in each vault (the report's `here` and `other`). */
function lostSnapshot(states: ForgetLostReport['snapshots'][number], here: VaultSide, there: VaultSide): LostSnapshot {
  return { snapshotId: states.snapshotId, states: [{ side: here, state: states.here }, { side: there, state: states.other }] };
}
