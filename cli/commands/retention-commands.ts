import * as os from 'node:os';
import { isThrottledRequest } from '../throttled-request';
import { saidWithNextStep, type ThrottledStop } from '../throttled-next-step';
import Table from 'cli-table3';
import { type Command } from 'commander';
import { type RetentionDecision } from '../../lambdas/retention/decide-retention';
import { forgetBackups, type ForgetReport } from '../../lambdas/retention/forget-backups';
import { bucketHasObjectLock } from '../../lambdas/retention/bucket-object-lock';
import { HoldOnForgettingBackupError } from '../../lambdas/catalog/hold-on-forgetting-backup-error';
import { UnreadableHeldRecordError } from '../../lambdas/catalog/catalog-errors';
import { holdBackup, keepingHolds, type LegalHoldDeps, type LegalHoldOutcome, releaseBackup } from '../../lambdas/retention/legal-hold';
import { snapshotArrivals } from '../../lambdas/retention/snapshot-arrivals';
import { S3VaultStore } from '../../vault/aws';
import { heldSnapshotsOf, ObjectLegalHoldError, type VaultHoldResult, vaultObjectLegalHold } from '../../lambdas/retention/object-legal-hold';
import { UnconfiguredPlanError } from '../../lambdas/retention/unconfigured-plan-error';
import { unseenJsonEscaped } from '../../lambdas/runtime/quoted-service-words';
import { shellWord } from '../../lambdas/runtime/shell-word';
import { VaultError } from '../../vault';
import { type CliIo, processIo } from '../cli-io';
import { isUnknownEnvironment } from '../usage-error';
import { doctorCommandLine, targetOptionsLine } from '../target-options-line';
import { catalogRebuildTargetLine } from '../catalog-rebuild-target-line';
import { catalogRebuildCommandWords } from '../../lambdas/catalog/catalog-rebuild-command-line';
import { shownCatalogName } from '../../lambdas/catalog/shown-catalog-name';
import { shownItemKeyPart } from '../../lambdas/catalog/shown-item-key';
import { shownPinBy } from '../../lambdas/retention/shown-pin-by';
import { shownSnapshotId } from '../../lambdas/catalog/shown-snapshot-id';
import { comparedInstant } from '../../lambdas/catalog/compared-instant';
import { unreadableRecordLines } from './forget-unreadable-lines';
import { forgetPolicy, type VaultForgetRuleOptions } from './vault-forget';
import { backupsForgetLost } from './backups-forget-lost';
import { type AccessClients, type DrAccountOptions, type EnvironmentAccess, environmentAccess, type TargetOptions, withTargetOptions } from '../environment-access';
import { type BackupCatalog } from '../../lambdas/catalog/backup-catalog';
import { type VaultSide } from '../../lambdas/runtime/runtime-config';
import { HeldListUnreadError } from './held-list-unread-error';
import { type BackupRecord } from '../../lambdas/catalog/backup-record';
import { isAccountRefusal } from '../../lambdas/retention/account-refusal';
import { drHalfCommand, drHalfProblems, halfOptionsProblem, holdCommand, type HoldHalfOptions, type HoldHalves, holdHalves, type HoldVerb } from './legal-hold-halves';
import { catalogsUnchanged, type LegalHoldReleaseRefusedError, namingReleaseRefusals, type RefusedVaultRelease, refusedReleaseObjects, releaseRefusedProblem, vaultBreakGlassArn } from './legal-hold-release-refusal';

/**
 * `lifeboat backups hold|release|forget` (docs/RUNBOOKS.md, "Retention"). Hold writes the primary catalog
 * and then the DR one, then sets the S3 legal holds on the backup's objects in each vault whose bucket has
 * Object Lock; release lifts those S3 legal holds first and then writes the catalogs, so that a release the
 * vault's bucket policy refuses (only its break-glass principal may lift a hold) leaves the backup held
 * everywhere (legal-hold-release-refusal.ts). The primary vault must answer; the DR one is a warning when
 * it does not. With the DR stack in another account (`drAccount`) the DR half needs that
 * account's credentials: --dr-profile gives them, `--only dr` does the DR half alone, and without them
 * the command fails after the primary half, saying the DR copy is not held and what to run
 * (legal-hold-halves.ts). Forget applies a vault's retention from here, through the same core as the
 * `<prefix>-prune` workflow's Forget step. Local cloud by default, AWS with --aws.
 * Exit codes: 0 ok, 1 failed, 2 bad option.
 */
export type BackupsHoldOptions = TargetOptions & HoldHalfOptions & { reason?: string; by?: string; json?: boolean };
export type BackupsReleaseOptions = TargetOptions & HoldHalfOptions & { json?: boolean };
/** The --keep-* rules (and --time-zone) are a policy for a plan that is not in the config (renamed or removed). */
export type BackupsForgetOptions = TargetOptions & Omit<VaultForgetRuleOptions, 'groupBy'> & { plan?: string; vault?: string; dryRun?: boolean; json?: boolean; lost?: string; yes?: boolean };
export type RetentionCommandDeps = { io: CliIo; clients?: AccessClients; now?: () => Date };
const defaultDeps: RetentionCommandDeps = { io: processIo };

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

/** Who the CLI says set a hold: the local user name (the catalog keeps it next to the reason). */
function operatorName(): string {
  try {
    return os.userInfo().username;
  } catch {
    return 'unknown';
  }
}

export async function backupsHoldCommand(backupId: string, options: BackupsHoldOptions, deps: Partial<RetentionCommandDeps> = {}): Promise<number> {
  const { io, clients, now } = { ...defaultDeps, ...deps };
  // Given but empty is a mistake; left out, the hold the backup has is set again (keepsHold, below).
  if (options.reason !== undefined && options.reason.trim() === '') {
    io.err('lifeboat backups hold: --reason is empty: say why the backup is held (a case or ticket), e.g. --reason "case 42"');
    return EXIT_USAGE;
  }
  const usage = halfOptionsProblem(options);
  if (usage !== undefined) {
    io.err(`lifeboat backups hold: ${usage}`);
    return EXIT_USAGE;
  }
  const by = options.by ?? operatorName();
  // What the printed DR-half lines carry: this run's reason, or in a keep the hold kept (review r65Y F2).
  let drLineOptions: { options: BackupsHoldOptions; by: string } = { options, by };
  let halves: HoldHalves | undefined;
  let access: EnvironmentAccess | undefined;
  try {
    access = await environmentAccess(options, clients, { primaryCatalogUnanswered: drHalfAlone('hold'), primaryCatalogWriteNote: writeMayHaveApplied('hold') });
    halves = holdHalves(access, options);
    // The catalog this run writes first: the primary's, or with --only dr the DR one's.
    const first = halves.primary ? access.catalog : access.catalogIn('dr');
    // One hold per backup: a second reason replaces the first, and one release lifts it. Said, not done silently.
    // The hold matters more than the note: a read that fails only leaves the note out.
    // Without --reason the hold is the one the backup has, kept by each catalog (reason, by and at): re-setting the S3
    // holds of a copy re-made without them must not replace a legal reason (review r65Q F1). Read for that, the read must answer.
    const keepsHold = options.reason === undefined;
    // A catalog rebuilt from its vault lost its holds, which the other region's catalog keeps (review r65Q F2): kept from there.
    const earlier = keepsHold
      ? ((await first.getBackup(backupId))?.hold ?? (halves.primary && halves.dr ? (await access.catalogIn('dr').getBackup(backupId))?.hold : undefined))
      : await first.getBackup(backupId).then((r) => r?.hold, () => undefined);
    if (keepsHold && earlier === undefined) {
      const catalog = !halves.primary ? 'the DR catalog' : halves.dr ? 'the primary catalog or the DR one' : 'the primary catalog';
      // With drAccount and no DR credentials the DR catalog, which may keep the hold (a rebuilt primary), was not read:
      // said before a made-up --reason replaces a legal one (review r65Y F1).
      const unread = halves.drNeedsCredentials
        ? `; the DR account's catalog (account ${access.drAccount ?? 'of the DR stack'}) was not read: add --dr-profile <a profile of that account> to keep the hold it has, before saying a reason of your own`
        : '';
      io.err(`lifeboat backups hold: --reason is required to place a new hold: backup ${backupId} has none in ${catalog} to keep${unread}; say why it is held (a case or ticket), e.g. --reason "case 42"`);
      return EXIT_USAGE;
    }
    // The DR half's line printed for another account's credentials carries the kept hold: pasted there with --only dr, a
    // keep would find none in a DR catalog that never had it and refuse (review r65Y F2).
    // Only text a terminal shows as it is: a CR or ESC in a hand-edited reason made the line shown differ from the one
    // pasted; without it the DR half asks for the reason there (review r65Z F2).
    const pastable = (text: string) => shownCatalogName(text) === text;
    if (keepsHold && earlier !== undefined && pastable(earlier.reason) && pastable(earlier.by)) drLineOptions = { options: { ...options, reason: earlier.reason }, by: earlier.by };
    const deps = holdDeps(access, halves, options);
    if (keepsHold) {
      deps.primary = deps.primary && keepingHolds(access.catalog);
      deps.dr = deps.dr && keepingHolds(access.catalogIn('dr'));
    }
    // holdBackup reports any refusal of the DR catalog as a state of its own; a DR forget's claim is no outage, and running again changes nothing.
    let drForgetting: HoldOnForgettingBackupError | undefined;
    const dr = deps.dr;
    if (dr) {
      deps.dr = {
        setHold: (id, hold) =>
          dr.setHold(id, hold).catch((err: unknown) => {
            if (err instanceof HoldOnForgettingBackupError) drForgetting = err;
            throw err;
          }),
        clearHold: (id) => dr.clearHold(id),
      };
    }
    const outcome = await holdBackup(backupId, keepsHold && earlier ? { kept: earlier } : { reason: options.reason ?? '', by, at: (now ?? (() => new Date()))() }, deps);
    if (drForgetting) {
      const primaryKeeps = halves.primary ? ' The primary catalog records the hold, and the primary vault keeps the backup.' : '';
      io.err(`lifeboat backups hold: the DR catalog (${access.environment.drRegion}): ${drForgetting.message}${primaryKeeps}`);
      // A script learns from the object that the primary half was held; stdout carries nothing else under --json.
      if (options.json) printHoldJson(io, backupId, outcome.record, { state: 'forgetting', problem: drForgetting.message }, outcome.objects ?? []);
      else for (const result of outcome.objects ?? []) printVaultHold(io, result, true);
      return EXIT_FAILED;
    }
    const held = outcome.record?.hold?.reason ?? '';
    // The record's hold is any strings (backupRecordSchema), the earlier one anyone's: shown escaped, as a newline or ESC
    // in one would forge a line of the note or colour the terminal (f62W).
    const reason = shownCatalogName(held);
    if (earlier && earlier.reason !== held && outcome.record) {
      io.err(`note: backup ${backupId} was held already ("${shownCatalogName(earlier.reason)}", by ${shownCatalogName(earlier.by)} at ${shownCatalogName(earlier.at)}); a backup has one hold, which now reads "${reason}", and one release lifts it: keep both cases in the reason`);
    }
    // With this run's target options, and its half and DR credentials: pasted without them, the release would look in the
    // local cloud of env dev, or after --dr-profile leave the DR copy held, or after --only dr try the primary half with
    // the DR account's credentials. After --only primary the whole release is named, which also lifts any hold the DR copy has.
    const release = holdCommand('release', backupId, options, by, { ...(halves.primary ? {} : { only: 'dr' }), ...(options.drProfile !== undefined ? { profile: options.drProfile } : {}) });
    const done = halves.primary
      ? `Backup ${backupId} is on legal hold ("${reason}"): every retention policy keeps it until \`${release}\`.`
      : `The DR copy of backup ${backupId} is on legal hold ("${reason}") in the DR catalog: the DR vault's retention keeps it until it is released there: \`${release}\`.`;
    printHoldOutcome(io, backupId, outcome, halves, options.json === true, done);
    return finishDrHalf(io, 'hold', backupId, outcome, halves, access, drLineOptions.options, drLineOptions.by);
  } catch (err) {
    const drKept = err instanceof HoldOnForgettingBackupError && halves?.primary === true && halves.dr && access ? await drCopyKept(access, backupId) : false;
    // The primary's retention (shorter than the DR vault's) forgot it, the DR copy is intact: --only dr holds that (audit c4-2).
    const problem = drKept && err instanceof HoldOnForgettingBackupError ? err.drCopyKeptMessage(drHalfCommand('hold', backupId, drLineOptions.options, drLineOptions.by, options.drProfile)) : err instanceof Error ? err.message : String(err);
    // With drAccount and no DR credentials the DR catalog cannot be asked: say where the copy may still be kept (review r14).
    const drAccountHint =
      err instanceof HoldOnForgettingBackupError && halves?.drNeedsCredentials === true && access
        ? ` The DR account's copy may still be kept: hold it there with \`${drHalfCommand('hold', backupId, drLineOptions.options, drLineOptions.by)}\` as account ${access.drAccount ?? 'of the DR stack'}.`
        : '';
    io.err(`lifeboat backups hold: ${problem}${drAccountHint}${primaryRefusalAdvice(err, halves, access)}`);
    return isUnknownEnvironment(err) ? EXIT_USAGE : EXIT_FAILED;
  }
}

/** Whether the DR catalog has the backup committed and not claimed or forgotten by the DR vault's retention; false when it cannot tell. */
async function drCopyKept(access: EnvironmentAccess, backupId: string): Promise<boolean> {
  const record = await access.catalogIn('dr').getBackup(backupId).catch(() => undefined);
  return record?.status === 'COMMITTED' && record.forgettingAt === undefined && record.forgottenAt === undefined;
}

/**
 * A release lifts the S3 legal holds first and releases the catalogs after: on a vault with Object Lock only the
 * break-glass principal may lift a hold (docs/SECURITY.md, "Vault buckets"), and a release refused there then stops
 * with the backup still held in the catalogs, rather than released in them and held in S3 only.
 */
export async function backupsReleaseCommand(backupId: string, options: BackupsReleaseOptions, deps: Partial<RetentionCommandDeps> = {}): Promise<number> {
  const { io, clients } = { ...defaultDeps, ...deps };
  const usage = halfOptionsProblem(options);
  if (usage !== undefined) {
    io.err(`lifeboat backups release: ${usage}`);
    return EXIT_USAGE;
  }
  let halves: HoldHalves | undefined;
  let access: EnvironmentAccess | undefined;
  /** The S3 legal holds lifted before the catalogs were written: said when the catalogs then fail. */
  let liftedFirst: VaultHoldResult[] = [];
  /** Whether the record named a legal hold when the S3 holds were lifted: what the catalogs still say if they then fail. */
  let catalogHeld = false;
  /** The record the release read, and what the vaults did: the one --json object of a run that then fails (review r7 F2). */
  let heldRecord: BackupRecord | undefined;
  let vaultsDone: VaultHoldResult[] = [];
  try {
    access = await environmentAccess(options, clients, { primaryCatalogUnanswered: drHalfAlone('release'), primaryCatalogWriteNote: writeMayHaveApplied('release') });
    halves = holdHalves(access, options);
    const refusals: LegalHoldReleaseRefusedError[] = [];
    const unread: HeldListUnreadError[] = [];
    const { objectLegalHold, ...catalogs } = holdDeps(access, halves, options, (refusal) => refusals.push(refusal), (err) => unread.push(err));
    // The record of the catalog this run writes first (the primary's, or with --only dr the DR one's) names the objects.
    const held = await (halves.primary ? access.catalog : access.catalogIn('dr')).getBackup(backupId);
    heldRecord = held;
    let objects: VaultHoldResult[] | undefined;
    if (held && objectLegalHold) {
      try {
        objects = await objectLegalHold(held, false);
        vaultsDone = objects;
      } catch (err) {
        if (refusals.length === 0 && err instanceof ObjectLegalHoldError) throw new Error(primaryVaultFailure(backupId, err), { cause: err });
        // Raised before any vault's hold is lifted: its message speaks of the objects only, the catalogs' state is said here.
        if (err instanceof UnreadableHeldRecordError) throw new Error(`${catalogsUnchanged(halves.primary, held.hold)}. ${err.message}`, { cause: err });
        if (refusals.length === 0) throw err;
      }
    }
    if (held && refusals.length > 0) {
      const command = holdCommand('release', backupId, options, '', { ...(options.only !== undefined ? { only: options.only } : {}), ...(options.drProfile !== undefined ? { profile: options.drProfile } : {}) });
      io.err(`lifeboat backups release: ${releaseRefusedProblem(backupId, refusals, objects ?? [], { command, primaryHalf: halves.primary, drProfile: options.drProfile !== undefined, hold: held.hold })}`);
      // Under --json stdout carries the one object whatever the exit code: the record as it still is, catalogs unwritten.
      if (options.json) printHoldJson(io, backupId, held, { state: 'not-written' }, refusedReleaseObjects(objects ?? [], refusals));
      return EXIT_FAILED;
    }
    liftedFirst = (objects ?? []).filter((r) => r.state === 'changed');
    catalogHeld = held?.hold !== undefined;
    const released = await releaseBackup(backupId, catalogs);
    const outcome: LegalHoldOutcome = { ...released, ...(objects && released.record ? { objects } : {}) };
    const done = halves.primary
      ? `Backup ${backupId} has no legal hold: retention decides on it again at the next forget.`
      : `The DR copy of backup ${backupId} has no legal hold in the DR catalog: the DR vault's retention decides on it again at its next forget.`;
    // The DR vault kept its holds for want of the DR catalog's list (the primary's failing stops the release before
    // anything is lifted): not done, so not exit 0, even where a DR vault that does not answer is only a warning.
    const keptBlind = (objects ?? []).find((r) => r.vault === 'dr' && r.state === 'unreachable' && unread.some((e) => e.message === r.problem));
    // Said once, below, rather than as a region that did not answer; --json keeps it among the vaults.
    const shown = keptBlind && !options.json && outcome.objects ? { ...outcome, objects: outcome.objects.filter((r) => r !== keptBlind) } : outcome;
    printHoldOutcome(io, backupId, shown, halves, options.json === true, done);
    // A release names no holder.
    const code = finishDrHalf(io, 'release', backupId, outcome, halves, access, options, '');
    if (code === EXIT_OK && keptBlind?.state === 'unreachable') {
      io.err(
        `lifeboat backups release: the S3 legal holds of backup ${backupId}'s objects in the DR vault were kept: ${keptBlind.problem}. ` +
          `Once it can be read, run \`${drHalfCommand('release', backupId, options, '', options.drProfile)}\` to release them.`,
      );
      return EXIT_FAILED;
    }
    return code;
  } catch (err) {
    io.err(`lifeboat backups release: ${err instanceof Error ? err.message : String(err)}${primaryRefusalAdvice(err, halves, access)}${liftedBeforeCatalogs(liftedFirst, catalogHeld)}`);
    // Under --json stdout carries the one object whatever the exit code, once there is a record to show: as it was read.
    if (options.json && heldRecord) printHoldJson(io, backupId, heldRecord, { state: 'not-written' }, vaultsDone);
    return isUnknownEnvironment(err) ? EXIT_USAGE : EXIT_FAILED;
  }
}

/** A primary vault whose S3 legal holds could not be lifted (not a refusal by its bucket policy): the catalogs are not written yet. */
function primaryVaultFailure(backupId: string, err: ObjectLegalHoldError): string {
  const problem = err.cause instanceof Error ? err.cause.message : err.message;
  return `the S3 legal holds of backup ${backupId} in the primary vault could not be released (${problem}); the catalogs were not changed and still hold it (some of its objects may be released already): run the command again`;
}

/**
 * After S3 legal holds were lifted and the catalogs then failed: what the catalogs still say (review r3 R3-D: a record
 * an older release left without a hold, its S3 step having failed then, holds nothing).
 */
function liftedBeforeCatalogs(lifted: readonly VaultHoldResult[], catalogHeld: boolean): string {
  const where = lifted.flatMap((r) => (r.state === 'changed' ? [`${r.objects} object(s) in the ${r.vault} vault`] : []));
  if (where.length === 0) return '';
  const catalog = catalogHeld
    ? 'the catalog still holds the backup, so retention keeps it: run the command again to release it there'
    : 'the catalog had no legal hold on the backup already, so retention decides on it: run the command again to finish the release';
  return `. The S3 legal holds of ${where.join(' and ')} were released before; ${catalog}`;
}

/**
 * A hold or release whose catalog write failed with a fault may have applied: running it again is safe, since setting
 * the hold again only renews its reason and time, and removing a removed one changes nothing (review r63O F4).
 */
function writeMayHaveApplied(verb: HoldVerb): string {
  return `the ${verb} may or may not have been written: running the command again is safe, it ${verb === 'hold' ? 'sets the hold again' : 'finds it released'}`;
}

/**
 * What to run when the primary catalog does not answer (environment-access.ts, AccessUse): the DR half alone, which
 * reaches nothing of the primary region, and the primary half once it answers.
 */
function drHalfAlone(verb: HoldVerb): string {
  return `${verb} the DR copy alone: --only dr (the DR catalog and the DR vault); run the command again without --only once the primary region answers, for the primary half`;
}

/** Exit 1, saying what to run, when the DR half left the DR copy unheld (or still held) and must not do so quietly; else 0. */
function finishDrHalf(io: CliIo, verb: HoldVerb, backupId: string, outcome: LegalHoldOutcome, halves: HoldHalves, access: EnvironmentAccess, options: BackupsHoldOptions, by: string): number {
  const problems = drHalfProblems(verb, backupId, outcome, halves, access, options, by);
  for (const problem of problems) io.err(`lifeboat backups ${verb}: ${problem}`);
  return problems.length > 0 ? EXIT_FAILED : EXIT_OK;
}

/**
 * After a refused primary half with the DR stack in another account: the likely cause is the DR account's
 * credentials, with which a bare table name resolves in the DR account. Empty otherwise.
 */
function primaryRefusalAdvice(err: unknown, halves: HoldHalves | undefined, access: EnvironmentAccess | undefined): string {
  if (!halves?.primary || access?.drAccount === undefined || !isAccountRefusal(err)) return '';
  return ` (the primary catalog and vault are account ${access.environment.account}'s: run this with that account's credentials; the DR half takes account ${access.drAccount}'s, with --dr-profile or alone with --only dr)`;
}

/** The options catalogRebuildTargetLine reads. */
type RebuildTarget = Parameters<typeof catalogRebuildTargetLine>[1];

/**
 * The catalogs and the S3 legal holds of the vaults this run writes: the operator's credentials set them (no
 * Lifeboat role has s3:PutObjectLegalHold), on the buckets that have Object Lock; the DR side's credentials are
 * --dr-profile's when given (environment-access.ts). `onReleaseRefused`: told of each release S3 refuses in a vault
 * whose bucket policy reserves it to the break-glass principal (an environment with `immutability`).
 */
function holdDeps(
  access: EnvironmentAccess,
  halves: HoldHalves,
  /** The command's target options, for the catalog rebuild a held record's refusal names. */
  target: RebuildTarget,
  onReleaseRefused?: (refusal: LegalHoldReleaseRefusedError) => void,
  onHeldListUnread?: (err: HeldListUnreadError) => void,
): LegalHoldDeps {
  const lockable = (side: 'primary' | 'dr') => ({
    side,
    objectLockEnabled: () => {
      const { s3, bucket } = access.vaultBucket(side);
      return bucketHasObjectLock(s3, bucket);
    },
    open: () => access.openVault(side),
  });
  // Only a vault with Object Lock (`immutability`) has the bucket policy that reserves a release to the break-glass principal.
  const releaseRefused =
    onReleaseRefused && access.environment.immutability !== undefined
      ? namingReleaseRefusals((side) => ({ bucket: access.vaultBucket(side).bucket, breakGlassArn: vaultBreakGlassArn(access.environment, side) }), onReleaseRefused)
      : undefined;
  // What else is held, for a release to keep, per vault (audit c4-1): the primary vault's objects are held for what the
  // primary catalog holds; the DR vault's for what the DR catalog holds (a backup the primary's retention forgot is held
  // there alone, with --only dr) and, when this run reads it, what the primary catalog holds (a hold whose record the DR
  // catalog had not yet). Each catalog is read once per release.
  const lists = new Map<string, Promise<string[]>>();
  const heldInCatalog = (side: VaultSide, except: string): Promise<string[]> => {
    const key = `${side}/${except}`;
    let list = lists.get(key);
    if (!list) {
      list = heldSnapshotsIn(access, side, except, target).catch((err: unknown) => {
        if (err instanceof HeldListUnreadError) onHeldListUnread?.(err);
        throw err;
      });
      lists.set(key, list);
    }
    return list;
  };
  const heldSnapshots = async (except: string, vault: VaultSide): Promise<string[]> => {
    if (vault === 'primary') return heldInCatalog('primary', except);
    const [dr, primary] = await Promise.all([heldInCatalog('dr', except), halves.primary ? heldInCatalog('primary', except) : []]);
    return [...new Set([...dr, ...primary])];
  };
  return {
    primary: halves.primary ? access.catalog : undefined,
    dr: halves.dr ? access.catalogIn('dr') : undefined,
    drInAnotherAccount: access.drAccount !== undefined,
    objectLegalHold: vaultObjectLegalHold({
      vaults: [...(halves.primary ? [lockable('primary')] : []), ...(halves.dr ? [lockable('dr')] : [])],
      // Every plan the catalog holds backups of, not only the configured ones: a renamed or removed plan's held backup
      // shares packs, index objects, config and keys with the others (audit R23). Without the Scan's answer nothing is released.
      heldSnapshots,
      ...(releaseRefused ? { releaseRefused } : {}),
    }),
  };
}

/**
 * The snapshots of the backups one region's catalog holds, but `except`. A catalog that cannot be read refuses the
 * release of its vault (HeldListUnreadError) rather than have it lift holds a backup held there still needs; a held
 * record it cannot parse stays UnreadableHeldRecordError, which refuses the whole release.
 */
async function heldSnapshotsIn(access: EnvironmentAccess, side: VaultSide, except: string, target: RebuildTarget): Promise<string[]> {
  const catalog = side === 'primary' ? access.catalog : access.catalogIn('dr');
  // The rebuild that writes this catalog from its own vault, as the doctor prints it for a damaged item (catalog-plan-checks.ts).
  const rebuild = catalogRebuildTargetLine({ vault: side, region: side }, target);
  try {
    return await heldSnapshotsOf(catalog, await plansOfCatalog(catalog, access.environment.plans), except, rebuild);
  } catch (err) {
    if (err instanceof UnreadableHeldRecordError) throw err;
    throw new HeldListUnreadError(side === 'primary' ? 'the primary catalog' : `the DR catalog ${access.drCatalogTable} (${access.environment.drRegion})`, err);
  }
}

/** The configured plans and every other plan the catalog holds backup records of (BackupCatalog.summarizePlans). */
async function plansOfCatalog(catalog: Pick<BackupCatalog, 'summarizePlans'>, configured: readonly { name: string }[]): Promise<string[]> {
  let listed: string[];
  try {
    listed = (await catalog.summarizePlans()).map((p) => p.plan);
  } catch (err) {
    throw new Error(
      `cannot list the plans the catalog holds backups of (${err instanceof Error ? err.message : String(err)}), so it is unknown which objects other held backups need; allow dynamodb:Scan on the catalog's byPlan index and run the release again`,
      { cause: err },
    );
  }
  return [...new Set([...configured.map((p) => p.name), ...listed])];
}

function printHoldOutcome(io: CliIo, backupId: string, outcome: LegalHoldOutcome, halves: HoldHalves, json: boolean, done: string): void {
  // A DR half left undone for want of the DR account's credentials is said as such, not as "skipped".
  const drCatalog: DrCatalogState = halves.drNeedsCredentials ? { state: 'needs-dr-account-credentials' } : outcome.dr;
  if (json) {
    printHoldJson(io, backupId, outcome.record, drCatalog, outcome.objects ?? []);
    return;
  }
  if (outcome.record) io.out(done);
  if (outcome.dr.state === 'written' && halves.primary) io.out('  The DR catalog has it too.');
  if (outcome.dr.state === 'absent' && halves.primary) io.out('  The DR catalog has no record of this backup yet: replication copies the record, hold included.');
  if (outcome.dr.state === 'absent' && !halves.primary) io.out(`The DR catalog has no record of backup ${backupId} yet (not replicated, or no such backup): nothing was changed there; replication copies the primary catalog's record, hold included.`);
  if (outcome.dr.state === 'unreachable' && !halves.drRequired) io.err(`warning: the DR catalog could not be written (${outcome.dr.problem}); run the command again when the DR region answers.`);
  if (!halves.dr && !halves.drNeedsCredentials) io.out('  The DR catalog and the DR vault were left alone (--only primary).');
  for (const result of outcome.objects ?? []) if (!(halves.drRequired && result.vault === 'dr' && result.state === 'unreachable')) printVaultHold(io, result, outcome.record?.hold !== undefined);
}

/**
 * What became of the DR catalog: the outcome's state, or the three the command tells apart (a DR half left for the DR
 * account's credentials, a copy the DR catalog's own forget claimed, a release that stopped before the catalogs when a
 * vault refused to lift its S3 legal holds).
 */
type DrCatalogState = LegalHoldOutcome['dr'] | { state: 'needs-dr-account-credentials' } | { state: 'forgetting'; problem: string } | { state: 'not-written' };

/** What `--json` prints of a hold or release (docs/RUNBOOKS.md, "Legal holds"): the record's hold, `drCatalog`, and the S3 legal holds per vault. */
function printHoldJson(io: CliIo, backupId: string, record: BackupRecord | undefined, drCatalog: DrCatalogState, objects: readonly (VaultHoldResult | RefusedVaultRelease)[]): void {
  io.out(JSON.stringify({ backupId: record?.backupId ?? backupId, hold: record?.hold ?? null, drCatalog, objects }, null, 2));
}

function printVaultHold(io: CliIo, result: VaultHoldResult, on: boolean): void {
  const vault = `the ${result.vault} vault`;
  if (result.state === 'changed') {
    const kept = result.keptForOtherHolds > 0 ? `; ${result.keptForOtherHolds} stay held for other held backups` : '';
    io.out(`  S3 legal hold ${on ? 'set on' : 'released from'} ${result.objects} object(s) in ${vault}${kept}.`);
  }
  if (result.state === 'not-in-vault') io.out(`  ${vault[0]?.toUpperCase() ?? ''}${vault.slice(1)} holds none of its snapshots${on ? ' yet: run the command again after replication to hold them there too' : ''}.`);
  if (result.state === 'unreachable') io.err(`warning: the S3 legal holds in ${vault} could not be ${on ? 'set' : 'released'} (${result.problem}); run the command again when its region answers.`);
}

export async function backupsForgetCommand(options: BackupsForgetOptions, deps: Partial<RetentionCommandDeps> = {}): Promise<number> {
  const { io, clients, now } = { ...defaultDeps, ...deps };
  const vault = options.vault ?? 'primary';
  if (vault !== 'primary' && vault !== 'dr') {
    io.err(`lifeboat backups forget: --vault must be primary or dr, got ${vault}`);
    return EXIT_USAGE;
  }
  let policy: ReturnType<typeof forgetPolicy>;
  try {
    policy = forgetPolicy(options);
  } catch (err) {
    if (!(err instanceof VaultError)) throw err;
    io.err(`lifeboat backups forget: ${err.message}`);
    return EXIT_USAGE;
  }
  if (options.lost !== undefined) {
    // A --time-zone alone makes no policy but belongs to one: refused with the rules.
    const policyGiven = policy !== null || options.timeZone !== undefined;
    return backupsForgetLost({ ...options, lost: options.lost, vault, policyGiven }, io, clients, (now ?? (() => new Date()))());
  }
  if (options.yes === true) {
    io.err('lifeboat backups forget: --yes confirms a --lost forget; a policy forget takes none (--dry-run shows its decisions first)');
    return EXIT_USAGE;
  }
  try {
    // A dry run changes nothing, so it neither checks nor raises the catalog's format marker; the real run does.
    const writes: VaultSide[] = options.dryRun === true ? [] : [vault];
    const access = await environmentAccess(
      options,
      clients,
      vault === 'primary' ? { primaryCatalogUnanswered: "forget from the DR vault and its region's catalog instead: --vault dr; the primary vault's retention runs when its region answers", writes, warn: io.err } : { writes, warn: io.err },
    );
    const report = await forgetBackups(
      { plan: options.plan, dryRun: options.dryRun === true, policy: policy ?? undefined },
      {
        vault,
        catalog: access.catalogIn(vault),
        openVault: () => access.openVault(vault),
        snapshotArrivals: () => {
          const { s3, bucket } = access.vaultBucket(vault);
          return snapshotArrivals(new S3VaultStore({ client: s3, bucket }));
        },
        plans: access.environment.plans,
        now: (now ?? (() => new Date()))(),
      },
    );
    // A damaged record's key in `unreadable` is any string: JSON.stringify leaves its C1 (CSI), U+2028 and bidi characters
    // raw, which drive the terminal or split the line; as \uXXXX a JSON reader reads back the same key (f62P).
    if (options.json) io.out(unseenJsonEscaped(JSON.stringify(report, null, 2)));
    else printForgetReport(io, report, policy ? options.plan : undefined, options, vault === 'dr' ? access.environment.drRegion : access.environment.primaryRegion);
    return EXIT_OK;
  } catch (err) {
    if (err instanceof UnconfiguredPlanError) {
      io.err(`lifeboat backups forget: ${unconfiguredPlanAdvice(err, options, vault)}`);
      return EXIT_USAGE;
    }
    const said = err instanceof Error ? err.message : String(err);
    io.err(`lifeboat backups forget: ${isThrottledRequest(err) ? saidWithNextStep(said, forgetThrottledStop(options.dryRun === true)) : said}`);
    return EXIT_FAILED;
  }
}

/**
 * What a `backups forget` stopped by a throttle says (throttled-next-step.ts; f65K: it ended with the service's bare
 * words). A dry run changed nothing. A real run may have stopped part way: each backup is forgotten objects first, mark
 * second, so a backup it finished stays forgotten, and the next run decides on the rest again and finishes one whose
 * snapshots went before its record was marked (lambdas/retention/forget-backups.ts).
 */
function forgetThrottledStop(dryRun: boolean): ThrottledStop {
  if (dryRun) return {};
  return {
    left: 'The forget may have stopped part way: a backup it finished is forgotten',
    why: 'it decides on the rest again, and finishes a backup whose snapshots it deleted before marking its record',
  };
}

/**
 * What to do about a plan that is not in the config, with the command line to paste (the same environment,
 * config, data directory or --aws, and vault as the command that failed). Its dry run comes first: a policy typed
 * by hand is checked against the decision table before anything is deleted.
 */
export function unconfiguredPlanAdvice(err: UnconfiguredPlanError, target: BackupsForgetOptions, vault: 'primary' | 'dr'): string {
  const command = [
    `lifeboat backups forget --plan ${shellWord(err.plan)}`,
    ...(vault === 'dr' ? ['--vault dr'] : []),
    '--keep-last 1 --dry-run',
  ].join(' ') + targetOptionsLine(target);
  return (
    `the catalog holds ${err.backups} backup(s) of plan "${err.plan}", which is not in this environment's config (its plans: ${err.configuredPlans.join(', ')}), ` +
    `so no retention policy applies to them. Give them a policy on the command line and read its decision table first: \`${command}\`; then run it without --dry-run. ` +
    'Any --keep-* rule serves (e.g. --keep-daily 7 --keep-monthly 12 keeps their history); the newest backup is always kept, so --keep-last 1 forgets all but the newest' +
    `${vault === 'dr' ? '' : ', and the DR vault needs the same with --vault dr'}.`
  );
}

/**
 * The decision table of each plan (like `restic forget --dry-run`), then what was (or would be) forgotten.
 * `unconfigured`: the plan (not in the config) whose policy the command line gave; `target`: the options of the
 * command, for the command lines its advice prints; `catalogRegion`: the region of the vault's catalog, for the delete of
 * each unreadable record it names when it prints no doctor line (--stack, review r62O F3). A record's backup id, start, snapshot id and pin are any strings
 * (backupRecordSchema takes any non-empty one, and a forged record is valid): shown escaped, as a newline or ESC in one
 * would forge report lines (f62Q); ids, snapshot ids and a pin's author cut at 40 (shownItemKeyPart; a vault's own
 * snapshot id whole), starts as the instant the table is ordered by (comparedInstant: a zoneless one read as UTC, not in
 * the process's zone, review r65E F1) and a pin's end as the instant livePins judged (comparedInstant too, review r65N F1): cut at 200, one spelled another record's
 * delete beside the report's real `delete:` lines (review r63U F2).
 */
export function printForgetReport(io: CliIo, report: ForgetReport, unconfigured?: string, target?: TargetOptions & DrAccountOptions, catalogRegion?: string): void {
  const side = { vault: report.vault, region: report.vault };
  const rebuild = target ? catalogRebuildTargetLine(side, target) : catalogRebuildCommandWords(side);
  const doctor = target ? doctorCommandLine(target) : 'lifeboat doctor';
  const commands = { ...(doctor !== undefined ? { doctor } : {}), rebuild };
  // The DR catalog was read with --dr-profile (its account's): its deletes need the same profile.
  const catalogProfile = report.vault === 'dr' && target?.drProfile !== undefined ? { catalogProfile: target.drProfile } : {};
  const shown = shownCatalogName;
  const id = shownItemKeyPart;
  const instant = (time: string): string => comparedInstant(time) ?? 'not a time';
  for (const plan of report.plans) {
    const given = plan.plan === unconfigured ? ' (not in the config: the policy of the command line)' : '';
    const name = shown(plan.plan);
    io.out(`Plan ${name}, ${report.vault} vault: ${JSON.stringify(plan.policy)}${given}`);
    // Records the vault does not bear out (record-evidence.ts), and those not read at all: said first, so that nobody misses them under a long table.
    for (const n of plan.notCounted) io.out(`  not counted: ${id(n.backupId)}: ${n.reason}`);
    for (const line of unreadableRecordLines(plan, report.vault, catalogRegion !== undefined ? { ...commands, catalogRegion, ...catalogProfile } : commands)) io.out(line);
    if (plan.decisions.length === 0) {
      io.out('  No backups.');
      continue;
    }
    const table = new Table({ head: ['BACKUP', 'STARTED', 'ACTION', 'REASONS'], style: { head: [], border: [] } });
    for (const d of plan.decisions) table.push([id(d.backupId), comparedInstant(d.startedAt) ?? 'not a time', actionOf(d), d.reasons.join(', ') || '-']);
    io.out(table.toString());
    const { kept, notCommitted } = retentionCounts(plan.decisions);
    // A run that never committed is no snapshot: retention neither keeps nor forgets it, so it is said apart, not counted as kept.
    const apart = notCommitted > 0 ? ` ${notCommitted} failed or running run(s) not counted: retention decides on committed backups only.` : '';
    if (report.dryRun) io.out(`Dry run: would keep ${kept} and forget ${plan.forgotten.length} backup(s) of plan ${name}; nothing was changed.${apart}`);
    else {
      io.out(`Kept ${kept}, forgot ${plan.forgotten.length} backup(s) of plan ${name} from the ${report.vault} vault (${plan.deletedObjects} snapshot object(s) deleted); the next prune reclaims their data.${apart}`);
      for (const b of plan.forgotten) io.out(`  forgotten: ${id(b)}`);
    }
    for (const b of plan.heldMeanwhile) io.out(`  left alone: ${id(b)} got a legal hold during this run`);
    for (const p of plan.pinnedMeanwhile) io.out(`  left alone: ${id(p.backupId)} was pinned during this run by ${shownPinBy(p.by)} until ${instant(p.until)}`);
    for (const l of plan.locked) io.out(`  kept by Object Lock: ${id(l.backupId)} (${l.reason}); a later forget deletes it once the lock has passed`);
    for (const b of plan.releasedClaims) io.out(`  claim withdrawn: ${id(b)} was claimed by an earlier forget that deleted none of its snapshots; kept intact, it can be restored again`);
    for (const l of plan.leftInPlace) io.out(`  left in place: snapshot ${shownSnapshotId(l.snapshotId)} of ${id(l.backupId)}, not marked forgotten: ${l.reason}`);
    if (plan.leftInPlace.length > 0) io.out('  A record that names a snapshot not its own is forged or broken: see docs/SECURITY.md, "Catalog records as an attack", for what to check.');
  }
}

/** A decision's ACTION: `-` for a run that never committed (FAILED, RUNNING), which retention does not decide on (decide-retention.ts). */
function actionOf(d: RetentionDecision): string {
  if (d.status !== 'COMMITTED') return '-';
  return d.keep ? 'keep' : 'forget';
}

/** What retention kept of a plan's committed backups, and the runs that never committed (neither kept nor forgotten). */
export function retentionCounts(decisions: readonly RetentionDecision[]): { kept: number; notCommitted: number } {
  const committed = decisions.filter((d) => d.status === 'COMMITTED');
  return { kept: committed.filter((d) => d.keep).length, notCommitted: decisions.length - committed.length };
}

const ONLY_HELP = "primary or dr: write only that region's catalog and vault (the DR half of a DR stack in another account, run with that account's credentials)";
const DR_PROFILE_HELP = "with --aws: the AWS profile of the DR account (drAccount), whose credentials write the DR catalog and the DR vault's legal holds";

/** Adds hold, release and forget to the `backups` command group. */
export function registerRetentionCommands(backups: Command): void {
  withTargetOptions(backups.command('hold <backupId>').description('put a legal hold on a backup: every retention policy keeps it until released'))
    .option('--reason <text>', 'why (a case or ticket); required for a new hold. Left out on a held backup, its hold (reason, by, at) is kept and its S3 legal holds set again')
    .option('--by <name>', 'who sets the hold (default: the local user name)')
    .option('--only <half>', ONLY_HELP)
    .option('--dr-profile <profile>', DR_PROFILE_HELP)
    .action(async (backupId: string, opts: BackupsHoldOptions) => {
      process.exitCode = await backupsHoldCommand(backupId, opts);
    });
  withTargetOptions(backups.command('release <backupId>').description('lift the legal hold of a backup'))
    .option('--only <half>', ONLY_HELP)
    .option('--dr-profile <profile>', DR_PROFILE_HELP)
    .action(async (backupId: string, opts: BackupsReleaseOptions) => {
      process.exitCode = await backupsReleaseCommand(backupId, opts);
    });
  withTargetOptions(backups.command('forget').description("apply the plans' retention to a vault: forget the backups it does not keep (or, with --lost, one backup that reads in neither vault)"))
    .option('--plan <name>', 'only this plan (default: every plan)')
    .option('--vault <vault>', 'primary or dr: the vault (and its region\'s catalog) to forget from', 'primary')
    .option('--dry-run', 'print the decision table and change nothing')
    // A plan renamed or removed from the config has no policy there: these give it one (docs/RUNBOOKS.md, "A plan removed or renamed").
    .option('--keep-last <n>', 'with --plan of a plan not in the config: keep its n newest backups')
    .option('--keep-hourly <n>', 'likewise: the newest backup of each of the n newest hours that have one')
    .option('--keep-daily <n>', 'likewise: the newest backup of each of the n newest days that have one')
    .option('--keep-weekly <n>', 'likewise: the newest backup of each of the n newest ISO weeks that have one')
    .option('--keep-monthly <n>', 'likewise: the newest backup of each of the n newest months that have one')
    .option('--keep-yearly <n>', 'likewise: the newest backup of each of the n newest years that have one')
    .option('--keep-within <duration>', 'likewise: every backup started within this long before its newest ("7d", "2w", "1y6m")')
    .option('--time-zone <zone>', 'IANA time zone the --keep-* hours, days, weeks, months and years are counted in (default UTC)')
    .option(
      '--lost <backupId>',
      "forget this one backup whatever its plan's policy keeps, when none of its snapshots reads in either vault (each missing or corrupt in both): deletes its snapshot objects from --vault and marks it forgotten in that region's catalog; run once per vault",
    )
    .option('--yes', 'with --lost: do it (--dry-run shows each snapshot\'s state in both vaults first)')
    .action(async (opts: BackupsForgetOptions) => {
      process.exitCode = await backupsForgetCommand(opts);
    });
}
