import { type BlobCheck, checkVaultObject, CONFIG_KEY, holdReadBeforeRefusal, idFromKey, INDEX_PREFIX, isS3AccessDenied, isS3PermissionRefusal, LegalHoldUnreadError, LegalHoldWriteRefusedError, loadIndexObject, mapBounded, ObjectLockedError, packKey, type PutOptions, type ScrubObjectResult, SNAPSHOTS_PREFIX, type Vault, VaultCorruptionError, type VaultStore, VaultError, VaultObjectArchivedError, VaultObjectNotFoundError } from '../../vault';
import { type VaultSide } from '../runtime/runtime-config';
import { type OtherCopy } from '../catalog/scrub-record';
import { BACKUP_ID_PLACEHOLDER } from '../catalog/pasted-id-word';
import { copyPutOptions, type LookMemory, readCopyBody, writeCopy } from './replicate-vault';
import { ARCHIVED_COPY } from './scrub-objects-left';
import { scrubLookKeyLimit, scrubNeedsBlobLimit } from './scrub-listing-memory';
import { ScrubNeedsTooLargeError } from './scrub-needs-too-large-error';
import { hasSortedKey } from './sorted-keys';
import { lookFits, lookHeldBackReason } from './look-after-copy';
import { type NeedsCut } from './vault-needs-work-out';
import { type FindingBudget } from './finding-budget';
import { type ScrubIndexObjects } from './scrub-index-objects';
import { type ScrubFinding, type ScrubSupersededObject } from './scrub-report';
import { otherSide } from './other-side';
import { indexCopyHeldBackReason } from './index-copy-held-back';
import { refusedRepairReason } from './refused-write-advice';
import { refusedSourceReadReason } from './refused-read-advice';
import { type EarlierLoss, type EarlierLosses } from './earlier-losses';

/** The order of the repairs (scrubRepairs' rank): index objects after packs and manifest objects, snapshots last. */
const INDEX_RANK = 2;
const SNAPSHOT_RANK = 3;

/** Why an object whose repair the deadline left no time to start is unrepaired: a missing one. */
export const REPAIR_DEADLINE_REASON = "the run's deadline came first; the next scrub with repair copies the rest";

/**
 * As REPAIR_DEADLINE_REASON, a corrupt one: found only by a read of its slice, so the next run, reading the next slice,
 * does not repair it (review rN F3). `options`: the scrub's target options (RepairScope.commandOptions).
 */
export function corruptRepairDeadlineReason(options = ''): string {
  return `the run's deadline came first; a scrub with repair copies it when its slice comes round again, or now with \`lifeboat scrub --fraction 1 --repair${options}\``;
}

/**
 * Why an object is unrepaired when the other vault could not be opened: its copy there was not read, so it is not known
 * lost. `options`: the scrub's target options (RepairScope.commandOptions). `earlier`: what the previous record tells of
 * it, when that is not a loss: an object it may count among lost ones (`maybe`), or that record unread (`unknown`),
 * where "not known lost" would claim what the run could not tell (review r64AB F2, F3).
 */
export function unopenedSourceReason(from: VaultSide, options = '', earlier?: EarlierLoss): string {
  const verify = `\`lifeboat scrub --fraction 1 --repair${options}\` verifies and copies it`;
  if (earlier?.kind === 'unknown') return `the ${from} vault could not be opened, so its copy was not read (not verified) and there is no copy to repair from; whether an earlier scrub found it lost is unknown (the latest scrub record could not be read): once that vault opens, ${verify}`;
  if (earlier?.kind === 'maybe') return `the ${from} vault could not be opened, so its copy was not read (not verified) and there is no copy to repair from; ${maybeLostWords(from, earlier)}: once that vault opens, ${verify}`;
  return `the ${from} vault could not be opened, so its copy was not read (not verified, not known lost) and there is no copy to repair from: once it opens, ${verify}`;
}

/**
 * Of an object within the range of a group of lost objects (`maybe`): the group counts, not names, so it may be one. It is
 * unverified, not listed lost (a new object there whose other copy is good read as a known loss: review r64AB F2), and
 * the record keeps the group as lost, the run DAMAGED, till a run reads that vault's copies: a group of two or more never
 * spans one key alone, and a real loss must not read "within objectives" (review r64AE F1).
 */
export function maybeLostWords(from: VaultSide, earlier: Extract<EarlierLoss, { kind: 'maybe' }>): string {
  return `an earlier scrub counted ${earlier.count} damaged or missing ${earlier.count === 1 ? 'object' : 'objects'} from ${earlier.first} to ${earlier.last}, a range that holds its key, some with no good copy in the ${from} vault: it may be one of them, so that group is kept as lost until a run reads the ${from} vault's copies`;
}

const EARLIER_LOSS_WORDS = 'an earlier scrub found no good copy of it there: it is still lost';

/**
 * Why an object is unrepaired and lost when the other vault could not be opened and an earlier scrub found no good copy
 * of it there: unread now, that copy is not found good either, so the loss stands (review r64T F1). `options`: as
 * unopenedSourceReason's.
 */
export function unopenedEarlierLossReason(from: VaultSide, options = ''): string {
  return `the ${from} vault could not be opened, and ${EARLIER_LOSS_WORDS}; once that vault opens, \`lifeboat scrub --fraction 1 --repair${options}\` reads its copy again`;
}

/**
 * As unopenedEarlierLossReason, when the repair cutoff came before the other copy was read: unread, it stays lost, where
 * it was recorded an unverified copy and every later run took it as not known lost (review r64AB F1).
 */
export function cutoffEarlierLossReason(from: VaultSide, options = ''): string {
  return `the run's deadline came first, so the ${from} vault's copy was not read, and ${EARLIER_LOSS_WORDS}; a scrub with repair reads its copy again when its slice comes round again, or now with \`lifeboat scrub --fraction 1 --repair${options}\``;
}

/** As cutoffEarlierLossReason, when the read of the other copy was refused (`refused`: refusedSourceReadReason's words). */
export function refusedEarlierLossReason(refused: string): string {
  return `${refused}; its copy unread, ${EARLIER_LOSS_WORDS}`;
}

/**
 * What a repair says when the damaged copy's legal hold could not be read (LegalHoldUnreadError): the copy was written
 * unheld. The line gives no --reason: `lifeboat backups hold <id>` without one keeps the hold a held backup has (reason, by
 * and at) and sets its S3 legal holds again, where a reason given replaced a legal case's with the line's (review r65Q F1);
 * on a backup that is not held it refuses. `options`: the target options the line ends with (r62B F3), without the vault's:
 * `backups hold` takes no --vault-key and refused the whole line (review r62F F1), so RepairScope.catalogCommandOptions.
 * The `backups list` line that shows which are held ends with them too: bare, it listed the local cloud's env dev (r62I F3).
 */
export function holdUnreadNote(options = ''): string {
  return `its legal hold could not be read (AccessDenied: s3:GetObjectLegalHold), so the repaired copy has none: if the damaged copy was held, set the hold again for each held backup whose data it holds (\`lifeboat backups list${options}\` shows which are held), keeping its reason: \`lifeboat backups hold ${BACKUP_ID_PLACEHOLDER}${options}\``;
}

/**
 * Whether the damaged copy whose overwrite `store` refused has a legal hold: undefined when that cannot be told. The
 * store's replace read it and, refused (a DR vault of another account lets the primary account read the holds of
 * snapshot objects only: REMOTE_VAULT_LEGAL_HOLD_READ_KEYS), wrote unheld; its refused write then says no more than S3's
 * words, so the hold is asked again, once per refused repair (one replace read is kept with its error instead:
 * holdReadBeforeRefusal). Refused or failing, it is not known (review r63L F1).
 */
async function holdAfterRefusal(store: VaultStore, key: string): Promise<boolean | undefined> {
  if (!store.legalHold) return false;
  try {
    return (await store.legalHold(key)) === true;
  } catch (err) {
    if (err instanceof VaultObjectNotFoundError) return false;
    return undefined;
  }
}

/**
 * What reading a copy found: it verified, it is damaged or gone (`problem` says how), it is archived and was not read, or
 * its read was refused (any 403: `cause`, S3's error, which tells a want of permission from a clock or key refusal).
 */
type CopyCheck =
  | { readonly state: 'ok' }
  | { readonly state: 'bad'; readonly problem: string }
  | { readonly state: 'archived'; readonly storageClass: string | undefined }
  | { readonly state: 'refused'; readonly cause: unknown };

/**
 * An object found damaged or missing in a vault, before the repair. `listedBy`: a pack neither vault holds that an index
 * object of this vault lists (lost-listed-packs.ts), that object's key; it goes into the finding.
 */
export type Bad = { readonly vault: VaultSide; readonly key: string; readonly problem: 'corrupt' | 'missing'; readonly detail: string; readonly supersededBy?: string; readonly listedBy?: string };

/** What the repairs read and write with: the scrub's vaults, listings and reads, its options, and the memory and time they get. */
export type RepairScope = {
  readonly vaults: Partial<Record<VaultSide, Vault>>;
  readonly repair: boolean;
  readonly check: BlobCheck;
  readonly concurrency: number | undefined;
  readonly listingOf: (side: VaultSide) => readonly string[];
  /** Results of reads, per vault and key: a copy read once is not read again to judge a repair. */
  readonly checked: Map<VaultSide, Map<string, ScrubObjectResult>>;
  /** The objects found damaged or missing so far: the run adds the missing ones once worked out. */
  readonly bad: readonly Bad[];
  readonly now: () => number;
  /** When no repair starts (the deadline less COPY_BACK_RESERVE_MS); undefined without a deadline. */
  readonly repairsUntil: number | undefined;
  readonly memoryMb: number | undefined;
  /** The findings the memory the listings left still holds (scrubFindingLimit), as the run spends it. */
  readonly findingBudget: Pick<FindingBudget, 'left'>;
  /** The index objects the run has read (the checks before copying snapshots read them through it). */
  readonly indexObjects: ScrubIndexObjects;
  /** The target options the command lines of its reasons end with (ScrubVaultsOptions.commandOptions). */
  readonly commandOptions?: string;
  /** The target options a `lifeboat backups hold` or `backups list` line ends with, as scrubVaults resolved them (ScrubVaultsOptions.holdCommandOptions). */
  readonly catalogCommandOptions: string;
  /** What the previous record knew lost (ScrubVaultsOptions.earlierLosses): such an object stays lost while its other copy goes unread (the vault not opened, the repair cutoff, a refused read). */
  readonly earlierLosses?: EarlierLosses;
  /** Told of each object as it is repaired, and of one written whose verifying read threw (ScrubVaultsOptions.onRepaired). */
  readonly onRepaired?: (finding: ScrubFinding) => void;
};

/** The repairs of one scrub run, and what they found. */
export type ScrubRepairs = {
  readonly findings: ScrubFinding[];
  readonly superseded: ScrubSupersededObject[];
  /** Per vault whose work-out was cut, why its missing snapshots are held back. */
  readonly heldBack: Map<VaultSide, string>;
  /** Per vault, its missing snapshots held back one by one (readAfterWorkOutReason). */
  readonly heldBackSnapshots: Map<VaultSide, Map<string, string>>;
  /** Copies `b.key` from `source` (the other vault) once its copy there verifies, and verifies it where it lands; returns the finding's outcome. */
  copyFrom(source: Vault, b: Bad): Promise<ScrubFinding['outcome']>;
  /**
   * Repairs the bad objects with `problem`: config first, then packs and manifest objects, then index objects (each only
   * once every pack it lists is in that vault), snapshots last. A corrupt index object listing a pack its vault lacks
   * waits for the missing objects' call, whose repairs may copy that pack first.
   */
  healEach(problem: Bad['problem']): Promise<void>;
  /** What a look at what copied snapshots need may hold in `side` (the function's memory): undefined on a machine. */
  lookMemory(side: VaultSide): LookMemory | undefined;
};

/**
 * The repairs of a scrub run (scrubVaults): each bad object is copied from the other vault only once that copy verifies,
 * and verified where it lands; a missing snapshot only once no other object (not snapshot) in its vault failed, what it needs there was
 * worked out, and the look after its copy fits (lookFits).
 */
export function scrubRepairs(scope: RepairScope): ScrubRepairs {
  const { vaults, repair, check, concurrency, listingOf, checked, bad, now, repairsUntil, memoryMb, findingBudget, indexObjects } = scope;
  const verifiesIn = async (side: VaultSide, key: string): Promise<CopyCheck> => {
    const known = checked.get(side)?.get(key);
    if (known) {
      if (known.state === 'ok') return { state: 'ok' };
      if (known.state === 'archived') return { state: 'archived', storageClass: known.storageClass };
      return { state: 'bad', problem: known.message ?? known.state };
    }
    const vault = vaults[side] as Vault;
    try {
      await checkVaultObject(vault, key, { check });
      return { state: 'ok' };
    } catch (err) {
      if (err instanceof VaultObjectArchivedError) return { state: 'archived', storageClass: err.storageClass };
      if (err instanceof VaultCorruptionError || err instanceof VaultObjectNotFoundError) return { state: 'bad', problem: err.message };
      if (isS3AccessDenied(err)) return { state: 'refused', cause: err };
      throw err;
    }
  };

  const findings: ScrubFinding[] = [];
  const superseded: ScrubSupersededObject[] = [];
  // Per vault, the keys this run settled there, and whether it repaired them: for an index object copied there, a pack
  // among them is there only if repaired (a copy-back's pack, listed before a prune deleted it, too).
  const settledIn = new Map<VaultSide, Map<string, boolean>>();
  const failedInto = new Set<VaultSide>();
  // Per vault whose work-out of what it needs was cut (`notWorkedOut`), why its missing snapshots are held back: with
  // none of what they reference a finding, nothing else held them, and each was copied in at once, before its packs
  // (review rF F1).
  const heldBack = new Map<VaultSide, string>();
  // Per vault, its missing snapshots held back one by one: those whose record was read only after its work-out ran, so
  // the objects they reference were not among what it found the vault needs (readAfterWorkOutReason).
  const heldBackSnapshots = new Map<VaultSide, Map<string, string>>();
  const heldBackWhy = (b: Bad): string | undefined =>
    b.problem === 'missing' && b.key.startsWith(SNAPSHOTS_PREFIX) ? (heldBack.get(b.vault) ?? heldBackSnapshots.get(b.vault)?.get(b.key)) : undefined;
  const heal = async (b: Bad): Promise<ScrubFinding['outcome']> => {
    const from = otherSide(b.vault);
    const source = vaults[from];
    // Its copy was never read: not a good copy, and not lost either. Said lost, a one-vault run while the other region
    // was down recorded the run DAMAGED and status ✗, and dropped what an earlier run knew of that copy (review r64P F2).
    // An object an earlier run found lost stays lost: unverified, the loss was hidden run after run while that vault was
    // down (review r64T F1).
    if (!source) {
      const earlier = scope.earlierLosses?.(b.vault, b.key, b.problem);
      if (earlier?.kind === 'lost') return found(b, 'unrepaired', unopenedEarlierLossReason(from, scope.commandOptions));
      // Within a lost group's range it may be one of the losses counted there: unverified, but the record carries that
      // group as lost and the run is DAMAGED for it, as a group of two or more never spans one key alone and a real loss
      // must not read "within objectives" (review r64AE F1), nor a new object be listed lost (review r64AB F2).
      if (earlier?.kind === 'maybe') return found(b, 'unrepaired', unopenedSourceReason(from, scope.commandOptions, earlier), 'inLostGroup');
      return found(b, 'unrepaired', unopenedSourceReason(from, scope.commandOptions, earlier), 'unverified');
    }
    if (!hasSortedKey(listingOf(from), b.key)) return found(b, 'unrepaired', `the ${from} vault lacks it too`);
    // A copy this run already found damaged or archived is judged as ever (copyFrom reads nothing then); any other would
    // cost reads and a copy the deadline has no time for. Unrepaired, it holds back a missing snapshot (failedInto).
    const theirs = checked.get(from)?.get(b.key);
    if (repairsUntil !== undefined && now() >= repairsUntil && (theirs === undefined || theirs.state === 'ok')) {
      // Only a copy this run verified is a good copy: one it did not read may be damaged too (review rJJ F3). Unread, one
      // an earlier run found lost stays lost (review r64AB F1).
      const earlier = theirs === undefined ? scope.earlierLosses?.(b.vault, b.key, b.problem) : undefined;
      if (earlier?.kind === 'lost') return found(b, 'unrepaired', cutoffEarlierLossReason(from, scope.commandOptions));
      const reason = heldBackWhy(b) ?? (b.problem === 'corrupt' ? corruptRepairDeadlineReason(scope.commandOptions) : REPAIR_DEADLINE_REASON);
      if (theirs === undefined && earlier?.kind === 'maybe') return found(b, 'unrepaired', `${reason}; ${maybeLostWords(from, earlier)}`, 'inLostGroup');
      if (theirs === undefined) return found(b, 'unrepaired', reason, 'unverified');
      return found(b, 'unrepaired', reason, 'good');
    }
    return copyFrom(source, b);
  };
  /**
   * `copy`: what is known of the other vault's copy of an unrepaired object (`good`: it verified in this run;
   * `inLostGroup`: unread, within the range of an earlier lost group, ScrubFinding `inLostGroup`).
   */
  const found = (b: Bad, outcome: ScrubFinding['outcome'], reason?: string, copy: 'good' | OtherCopy | 'refused' | 'inLostGroup' | 'refusedInLostGroup' | 'none' = 'none'): ScrubFinding['outcome'] => {
    settledIn.set(b.vault, (settledIn.get(b.vault) ?? new Map<string, boolean>()).set(b.key, outcome === 'repaired'));
    // Harmless however it ends: noted, and it neither fails the run nor holds back a snapshot's repair.
    if (b.supersededBy !== undefined && outcome !== 'repaired') {
      superseded.push({ vault: b.vault, key: b.key, detail: b.detail, tombstone: b.supersededBy });
      return outcome;
    }
    // Only an object's failure holds back the vault's missing snapshots: one may reference it. Snapshots never reference
    // each other, so one held back or not copied endangers no other's copy; counted, one held back (read after the
    // work-out) held back every later one, those worked out too, run after run (review r57A F1).
    if (outcome === 'unrepaired' && !b.key.startsWith(SNAPSHOTS_PREFIX)) failedInto.add(b.vault);
    const copyState =
      outcome !== 'unrepaired' || copy === 'none'
        ? {}
        : copy === 'good'
          ? { goodCopy: true as const }
          : copy === 'refused'
            ? { otherCopy: 'unverified' as const, otherCopyRefused: true as const }
            : copy === 'inLostGroup'
              ? { otherCopy: 'unverified' as const, inLostGroup: true as const }
              : copy === 'refusedInLostGroup'
                ? { otherCopy: 'unverified' as const, otherCopyRefused: true as const, inLostGroup: true as const }
                : { otherCopy: copy };
    const finding: ScrubFinding = { ...b, outcome, ...(reason ? { reason } : {}), ...copyState };
    findings.push(finding);
    if (outcome === 'repaired') scope.onRepaired?.(finding);
    return outcome;
  };
  /** Copies `b.key` from `source` (the other vault) once its copy there verifies, and verifies it where it lands; returns the finding's outcome. */
  const copyFrom = async (source: Vault, b: Bad): Promise<ScrubFinding['outcome']> => {
    const from = otherSide(b.vault);
    const theirs = await verifiesIn(from, b.key);
    // The check of the healthy copy is the repair's first read of it: refused (its KMS key refusing kms:Decrypt, say), it
    // stopped the run with S3's bare words and every later repair was skipped (review r63S F2). Its copy is not verified.
    // Only a want of permission is a refused copy (otherCopyRefused: the next scrub is refused alike, so status promises no
    // scrub verifies it); a 403 for the clock or the credentials' key (RequestTimeTooSkewed, InvalidAccessKeyId) is an
    // unread copy, its reason saying what it is (review r64P F4).
    // Refused, one an earlier run found lost stays lost: its copy is no more read than it was (review r64AB F1).
    if (theirs.state === 'refused') {
      const refused = refusedSourceReadReason(from, 'body', theirs.cause);
      const earlier = scope.earlierLosses?.(b.vault, b.key, b.problem);
      if (earlier?.kind === 'lost') return found(b, 'unrepaired', refusedEarlierLossReason(refused));
      // Refused for want of permission it keeps otherCopyRefused: dropped, the entry came back plain unverified and its
      // advice was to scrub again, which is refused alike (review r65A F3).
      if (earlier?.kind === 'maybe') return found(b, 'unrepaired', `${refused}; ${maybeLostWords(from, earlier)}`, isS3PermissionRefusal(theirs.cause) ? 'refusedInLostGroup' : 'inLostGroup');
      return found(b, 'unrepaired', refused, isS3PermissionRefusal(theirs.cause) ? 'refused' : 'unverified');
    }
    if (theirs.state === 'bad') return found(b, 'unrepaired', `the ${from} vault's copy is damaged too (${theirs.problem})`);
    // An archived copy cannot be read without a thaw, so it cannot be the verified source of a repair yet. A lifecycle
    // rule archived it, so it is probably good, but it may be damaged too (review rAA F1): not lost, not a good copy
    // either, and a scheduled scrub never thaws, so its own state keeps it in sight until someone does.
    if (theirs.state === 'archived') {
      const where = `${(vaults[from] as Vault).location}/${b.key}`;
      return found(
        b,
        'unrepaired',
        `the ${from} vault's copy is ${ARCHIVED_COPY} (${theirs.storageClass ?? 'an archive storage class'}), so the backups it holds data of cannot be restored from the ${b.vault} vault for the paths affected: thaw it (S3 RestoreObject of ${where}), then, while the thawed copy lasts, scrub it with repair (docs/RUNBOOKS.md, "Scrub")`,
        'archived',
      );
    }
    // From here the other copy verified: whatever stops the repair, the object is not lost.
    const done = (outcome: ScrubFinding['outcome'], reason?: string): ScrubFinding['outcome'] => found(b, outcome, reason, 'good');
    if (!repair) return done('repairable');
    const held = heldBackWhy(b);
    if (held !== undefined) return done('unrepaired', held);
    if (b.problem === 'missing' && b.key.startsWith(SNAPSHOTS_PREFIX) && failedInto.has(b.vault)) {
      return done('unrepaired', `held back: other objects could not be repaired in the ${b.vault} vault, and a snapshot is made visible only when everything it may reference is there`);
    }
    if (b.key.startsWith(SNAPSHOTS_PREFIX)) {
      const cut = await lookCut(b);
      if (cut !== undefined) return done('unrepaired', lookHeldBackReason(b.vault, cut, scope.commandOptions));
    }
    const indexId = idFromKey(INDEX_PREFIX, b.key);
    if (indexId !== null) {
      let listed: readonly string[];
      try {
        listed = await packsListed(from, indexId);
      } catch (err) {
        // Verified a moment ago: gone or changed since (a prune of that vault), it is not copied blind.
        if (!(err instanceof VaultError)) throw err;
        return done('unrepaired', `the ${from} vault's copy could not be read again to tell which packs it lists (${err.message}); the next scrub with repair tries again`);
      }
      const lacked = listed.filter((key) => !packThere(b.vault, key));
      if (lacked.length > 0) return done('unrepaired', indexCopyHeldBackReason(b.vault, lacked));
    }
    // Said with the repair when the damaged copy's legal hold could not be read, so none was carried to the new copy.
    let holdNote: string | undefined;
    const copying = { overDamagedCopy: b.problem === 'corrupt', sourceTags: true, lineTarget: { from, commandOptions: scope.commandOptions ?? '', catalogCommandOptions: scope.catalogCommandOptions } };
    // The reads of the healthy copy apart from the write: a refused read is the reader's permission, not the target
    // vault's refusal (review r63L F2: it was said as the write's, and in the DR vault advised deleting its copy).
    let body: Buffer;
    let putOptions: PutOptions | undefined;
    let reading: 'body' | 'tags' = 'body';
    try {
      body = await readCopyBody(source.store, b.key, copying);
      reading = 'tags';
      putOptions = await copyPutOptions(source.store, b.key, copying);
    } catch (err) {
      if (isS3AccessDenied(err)) return done('unrepaired', refusedSourceReadReason(from, reading, err));
      throw err;
    }
    try {
      await writeCopy(source.store, (vaults[b.vault] as Vault).store, b.key, body, putOptions, copying);
    } catch (err) {
      if (err instanceof LegalHoldUnreadError) holdNote = holdUnreadNote(scope.catalogCommandOptions);
      // A DR vault in another account refuses any overwrite by this account (docs/SECURITY.md, "The DR vault in
      // another account"), and credentials may lack a permission: that one object stays unrepaired, with what to do
      // (refusedRepairReason); the others are still repaired. A missing copy's too: it stopped the run (review r63E F6).
      else if (err instanceof LegalHoldWriteRefusedError || isS3AccessDenied(err)) {
        const target = (vaults[b.vault] as Vault).store;
        // Only the DR vault's refused overwrite is advised a delete, whose copy anew carries no hold (review r63L F1).
        // The hold replace read is asked again only when it has none to tell (review r63S F3).
        const heldCopy = err instanceof LegalHoldWriteRefusedError ? true : b.vault === 'dr' && b.problem === 'corrupt' ? (holdReadBeforeRefusal(err) ?? (await holdAfterRefusal(target, b.key))) : false;
        // S3's words are the cause's: the error's own message is for a caller that does not know what was written.
        return done('unrepaired', refusedRepairReason(b.vault, b.problem === 'corrupt', err instanceof LegalHoldWriteRefusedError ? err.cause : err, heldCopy));
      }
      // Neither S3 nor the local cloud comes here: they take the overwrite of a locked object (S3 adds a version and the
      // damaged one stays as an older one; the local cloud, one version per key, replaces its bytes), a held one's hold
      // kept (S3VaultStore.replace). Only for an S3-compatible endpoint keeping one version per key that refuses it.
      else if (err instanceof ObjectLockedError) {
        return done('unrepaired', `the ${b.vault} vault refused to replace its damaged copy, which Object Lock protects (${err.message}); the ${from} vault's copy is good: delete the damaged one once it may be, and the next scrub with repair copies it as missing (docs/RUNBOOKS.md, "Scrub")`);
      } else throw err;
    }
    checked.get(b.vault)?.delete(b.key);
    let after: CopyCheck;
    try {
      after = await verifiesIn(b.vault, b.key);
      // A refused read of the copy just written stops the run, as ever: it names the copy, unverified.
      if (after.state === 'refused') throw after.cause;
    } catch (err) {
      // Written but unverified, the run stops: the stop names the copy, with the hold it could not carry, since the next
      // scrub finds it healthy and says nothing of the hold (review r62F F2).
      scope.onRepaired?.({ ...b, outcome: 'unrepaired', goodCopy: true, ...(holdNote !== undefined ? { reason: holdNote } : {}) });
      throw err;
    }
    // The copy was written all the same: a hold it could not carry is said here too (review r62B F1).
    if (after.state !== 'ok') return done('unrepaired', `copied from the ${from} vault, but the copy does not verify (${after.state === 'bad' ? after.problem : `it reads as archived, ${after.storageClass ?? 'an archive storage class'}`})${holdNote === undefined ? '' : `; ${holdNote}`}`);
    return done('repaired', holdNote);
  };
  // Config first (the vault opens with it), snapshots last (the commit protocol). Index objects after the packs: one
  // copied into a vault while a pack it lists is lost there made the next backup deduplicate against that pack's blobs,
  // and that backup referenced data the vault did not hold (fix f58Q).
  const rank = (key: string): number => (key === CONFIG_KEY ? 0 : key.startsWith(SNAPSHOTS_PREFIX) ? SNAPSHOT_RANK : key.startsWith(INDEX_PREFIX) ? INDEX_RANK : 1);
  // Per vault, the keys found bad there so far (the slice's corrupt ones, then the missing ones once worked out), made
  // again only when `bad` has grown.
  let badKeys: { readonly count: number; readonly bySide: Map<VaultSide, Set<string>> } | undefined;
  const foundBad = (side: VaultSide, key: string): boolean => {
    if (badKeys?.count !== bad.length) {
      const bySide = new Map<VaultSide, Set<string>>();
      for (const x of bad) bySide.set(x.vault, (bySide.get(x.vault) ?? new Set<string>()).add(x.key));
      badKeys = { count: bad.length, bySide };
    }
    return badKeys.bySide.get(side)?.has(key) === true;
  };
  /** Whether pack `key` is in `side` for an index object copied there: repaired there by this run, or listed there and neither found bad nor left unrepaired. */
  const packThere = (side: VaultSide, key: string): boolean => settledIn.get(side)?.get(key) ?? (hasSortedKey(listingOf(side), key) && !foundBad(side, key));
  // The packs a corrupt index object lists, read to tell whether it waits for the missing objects' repairs, kept for
  // its repair then (its pack keys only).
  const packsRead = new Map<string, readonly string[]>();
  /** The keys of the packs index object `id` lists, from `from`'s copy: the one the run holds, else read (one GET). */
  const packsListed = async (from: VaultSide, id: string): Promise<readonly string[]> => {
    const known = packsRead.get(id);
    if (known !== undefined) {
      packsRead.delete(id);
      return known;
    }
    const source = vaults[from] as Vault;
    const object = indexObjects.heldFrom(id, from) ?? (await loadIndexObject(source.store, source.keys, id)).object;
    return object.packs.map((p) => packKey(p.packId));
  };
  // Corrupt index objects that list a pack their vault does not hold, repaired (or held back) with the missing objects.
  const waiting: Bad[] = [];
  const waits = async (b: Bad): Promise<boolean> => {
    const id = idFromKey(INDEX_PREFIX, b.key);
    if (!repair || id === null || (repairsUntil !== undefined && now() >= repairsUntil)) return false;
    let packs: readonly string[];
    try {
      packs = await packsListed(otherSide(b.vault), id);
    } catch (err) {
      // Its other copy unreadable, the repair says so now. Refused (the DR key refusing kms:Decrypt, say), this read
      // before any check stopped the run with S3's bare words and every later repair was skipped (review r63Y F2): the
      // repair's check meets the refusal again and leaves the object unrepaired, naming it.
      if (err instanceof VaultError || isS3AccessDenied(err)) return false;
      throw err;
    }
    if (!packs.some((key) => !hasSortedKey(listingOf(b.vault), key))) return false;
    packsRead.set(id, packs);
    return true;
  };
  const lookMemory = (side: VaultSide): LookMemory | undefined => {
    if (memoryMb === undefined) return undefined;
    const blobLimit = scrubNeedsBlobLimit(memoryMb, findingBudget.left());
    const ids = bad.filter((b) => b.vault === side && b.key.startsWith(SNAPSHOTS_PREFIX)).length;
    return { blobLimit, keyLimit: scrubLookKeyLimit(memoryMb, findingBudget.left()), tooLarge: () => new ScrubNeedsTooLargeError((vaults[side] as Vault).location, ids, blobLimit, memoryMb, scope.commandOptions) };
  };
  // Before a snapshot object is copied into a vault (missing or corrupt there), whether the look at what it needs there
  // (lookAfterPrunes) fits the function's memory, per vault and problem (the snapshots copied together): copied first,
  // a look that did not fit loaded every index object of the vault unbounded after the copy, where a vault lacking only
  // a snapshot never met the work-out's bound (review rJ F1). Cut, the snapshots are held back. Not on a machine.
  // One check at a time, each within the memory's bound alone: two vaults' checks at once held twice it.
  const lookChecks = new Map<string, Promise<NeedsCut | undefined>>();
  let lookTurn: Promise<unknown> = Promise.resolve();
  const lookCut = (b: Bad): Promise<NeedsCut | undefined> => {
    const memory = lookMemory(b.vault);
    if (memory === undefined) return Promise.resolve(undefined);
    const key = `${b.vault}:${b.problem}`;
    const known = lookChecks.get(key);
    if (known) return known;
    // Those whose other copy this run found damaged, archived or absent are not copied: left out of the check, as is
    // (markOfReadableSnapshots) one it cannot read, rather than the whole check (review rO F-a).
    const from = otherSide(b.vault);
    const copyable = (x: Bad): boolean => {
      const theirs = checked.get(from)?.get(x.key);
      return hasSortedKey(listingOf(from), x.key) && (theirs === undefined || theirs.state === 'ok');
    };
    const ids = bad.filter((x) => x.vault === b.vault && x.problem === b.problem && x.key.startsWith(SNAPSHOTS_PREFIX) && copyable(x)).map((x) => x.key.slice(SNAPSHOTS_PREFIX.length));
    const check = lookTurn.then(() => lookFits(b.vault, ids, memory, { vaults, listingOf, repairsUntil, now, memoryMb, indexObjects }));
    lookTurn = check.catch(() => undefined);
    lookChecks.set(key, check);
    return check;
  };
  const healEach = async (problem: Bad['problem']): Promise<void> => {
    for (const r of [0, 1, INDEX_RANK, SNAPSHOT_RANK]) {
      let due = bad.filter((b) => b.problem === problem && rank(b.key) === r);
      if (r === INDEX_RANK && problem === 'corrupt') {
        const later = new Set<Bad>();
        await mapBounded(due, concurrency ?? 3, async (b) => void ((await waits(b)) && later.add(b)));
        waiting.push(...later);
        due = due.filter((b) => !later.has(b));
      }
      if (r === INDEX_RANK && problem === 'missing') due = [...waiting.splice(0), ...due];
      await mapBounded(due, concurrency ?? 3, heal);
    }
  };
  return { findings, superseded, heldBack, heldBackSnapshots, copyFrom, healEach, lookMemory };
}
