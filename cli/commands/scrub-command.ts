import Table from 'cli-table3';
import { type Command } from 'commander';
import { CatalogItemInvalidError } from '../../lambdas/catalog/catalog-errors';
import { ScrubInProgressError } from '../../lambdas/catalog/scrub-in-progress-error';
import { holdScrubLease, type ScrubLeaseHold, type ScrubLeaseStore, type ScrubLeaseUnreleased } from '../../lambdas/catalog/scrub-lease';
import { ScrubLeaseLostError } from '../../lambdas/catalog/scrub-lease-lost-error';
import { type CopiedInNotListed, type ScrubRunRecord } from '../../lambdas/catalog/scrub-record';
import { copiedInCountEnd, namesCopiedInCount } from '../../lambdas/replication/copied-in-count-clear';
import { namedBackupIds, quotedBackupId } from '../../lambdas/replication/named-backup-ids';
import { scrubRunSummary } from '../../lambdas/replication/scrub-run-summary';
import { copiedInOutstanding } from '../../lambdas/replication/scrub-outstanding';
import { earlierLosses, unknownEarlierLosses } from '../../lambdas/replication/earlier-losses';
import { scrubVaults } from '../../lambdas/replication/scrub-vaults';
import { endingWithRepairs, notedRepairLines, type RepairedObject, repairedObjectOf } from '../../lambdas/replication/repaired-before-stop';
import { type AffectedSnapshot } from '../../lambdas/replication/scrub-damage';
import { shownVaultKey } from '../../lambdas/replication/shown-vault-key';
import { type ScrubReport, type ScrubScope } from '../../lambdas/replication/scrub-report';
import { newestBackupRecordedIn, type NewestRecordedBackup } from '../../lambdas/replication/absent-vault';
import { discardedSnapshotsOf, type DiscardedSnapshots } from '../../lambdas/replication/discarded-snapshots';
import { PlanOutcomes, planOutcomesBudgetBytes } from '../../lambdas/replication/plan-outcomes';
import { openScrubbedVaults, type ScrubbedVaults } from '../../lambdas/replication/open-scrubbed-vaults';
import { discardedSnapshotNotes } from '../../lambdas/replication/scrub-runbook';
import { ARCHIVED_COPY, IN_LOST_GROUP, inLostGroupAdvice, type LeftObject, type ObjectsLeft, objectsLeft, REFUSED_COPY, unopenedVaultsNamed, unverifiedCopy } from '../../lambdas/replication/scrub-objects-left';
import { ScrubVaultUnavailableError } from '../../lambdas/replication/replication-errors';
import { damagedForgottenRecordLine, forgottenSnapshotsOf } from '../../lambdas/retention/forgotten-snapshots';
import { scrubbedPlans } from '../../lambdas/retention/recorded-plans';
import { RecordedPlansUnreadError } from '../../lambdas/retention/recorded-plans-unread-error';
import { unseenEscaped, unseenJsonEscaped, unseenOnlyEscaped } from '../../lambdas/runtime/quoted-service-words';
import { type VaultSide } from '../../lambdas/runtime/runtime-config';
import { FIRST_SCRUB_CURSOR, type ScrubCursor, type Vault, VaultNotFoundError } from '../../vault';
import { type CliIo, processIo } from '../cli-io';
import { escapeName } from '../escape-name';
import { type AccessClients, type EnvironmentAccess, environmentAccess, type TargetOptions, withTargetOptions } from '../environment-access';
import { MIN_SCRUB_FRACTION } from '../../config/scrub-fraction';
import { localRequester } from '../requester';
import { isUsageError, UsageError } from '../usage-error';
import { ScrubDiscardedUnreadError } from '../scrub-discarded-unread-error';
import { ScrubForgottenUnreadError } from '../scrub-forgotten-unread-error';
import { targetOptionsLine, vaultTargetOptionsLine } from '../target-options-line';
import { isThrottledRequest } from '../throttled-request';
import { saidWithNextStep, type ThrottledStop } from '../throttled-next-step';

/**
 * `lifeboat scrub`: reads and verifies the next slice of the vaults' objects, compares the two
 * vaults, and with --repair heals each from the other (lambdas/replication/scrub-vaults.ts;
 * docs/RUNBOOKS.md, "Scrub"). The run's summary, with the cursor the next run starts from, is
 * recorded in the catalog. Before the first backup (neither vault exists, and neither region's
 * catalog records a backup stored in its vault) there is nothing to scrub: a CLEAN run of no objects,
 * recorded, as the scheduled scrub records it (lambdas/replication/scrub-runbook.ts); a vault in scope
 * that does not exist although its catalog records backups in it fails (VaultMissingError). Exit codes:
 * 0 clean or everything repaired; 1 something left damaged or missing (or the scrub failed); 2 the
 * command line is wrong. A failure (exit 1) says what a repair had healed before it; with --json it prints
 * `{"error", "repaired": [{vault, key}]}` on stdout as well, in place of the report.
 */
export type ScrubCommandOptions = TargetOptions & { vault?: string; fraction?: string; repair?: boolean; json?: boolean; clearCopiedInCount?: string };

/** What the command needs of an environment (environmentAccess provides it; tests pass their own). */
export type ScrubAccess = {
  /** The regions name a vault that cannot be opened in the message (absent: not named). */
  readonly environment: { readonly name: string; readonly primaryRegion?: string; readonly drRegion?: string };
  readonly scrubLog: { latest(): Promise<ScrubRunRecord | undefined>; record(run: ScrubRunRecord): Promise<void> };
  /** The scrub lease (lambdas/catalog/scrub-lease.ts), held from before the latest run is read until this one is recorded. Absent: none (tests). */
  readonly scrubLease?: ScrubLeaseStore;
  openVault(side: VaultSide): Promise<Vault>;
  /**
   * The snapshots a vault's retention forgot (its region's catalog): not missing there, not copied back. Of every plan
   * the catalog holds, or (`configured`) of the config's plans alone, when those could not be listed and nothing is repaired.
   */
  forgottenSnapshots?(side: VaultSide, plans?: 'configured', note?: (text: string) => void): Promise<ReadonlySet<string>>;
  /** Of snapshots one vault lacks, those their backup discarded (the primary region's catalog): copied into neither vault. */
  readonly discardedSnapshots?: DiscardedSnapshots;
  /** The newest backup a vault's region's catalog records as stored in it (absent-vault.ts); absent: not asked. */
  newestRecordedBackup?: NewestRecordedBackup;
};

/** An environment's scrub access: its catalogs say what each vault's retention forgot, and whether a vault that does not exist ever held a backup. */
export function scrubAccessOf(access: EnvironmentAccess): ScrubAccess {
  const plans = access.environment.plans.map((plan) => plan.name);
  // One command is one run: its asks list each plan once (PlanOutcomes, within a scrub function's budget: a machine's
  // memory is not known), after the record reads' cutoff.
  const discardedCatalog = new PlanOutcomes(access.catalogIn('primary'), planOutcomesBudgetBytes(undefined));
  return {
    environment: access.environment,
    scrubLog: access.scrubLog,
    scrubLease: access.scrubLog.lease(),
    openVault: (side) => access.openVault(side),
    // Of every plan the catalog holds, configured or not (scrubbedPlans: a removed plan's forgotten backup is not copied back, review r60F F1).
    // A forgotten record whose snapshot ids do not all read is a note, never a stop (review r61A F4).
    forgottenSnapshots: async (side, of, note) =>
      forgottenSnapshotsOf(access.catalogIn(side), of === 'configured' ? plans : await scrubbedPlans(side, access.catalogIn(side), plans), {
        onDamaged: (record) => note?.(`the ${side} catalog's ${damagedForgottenRecordLine(record)}`),
      }),
    // FAILED records, and COMMITTED ones naming their snapshots, are the backup workflow's, in the primary region's catalog.
    discardedSnapshots: (snapshots) => discardedSnapshotsOf(discardedCatalog, plans, snapshots),
    newestRecordedBackup: (side) => newestBackupRecordedIn(side, access.catalogIn(side), plans),
  };
}

export type ScrubCommandDeps = { io: CliIo; clients?: AccessClients; access?: ScrubAccess; now?: () => Date; leaseRenewEveryMs?: number };

/**
 * A CLI scrub has no bound on its length (a large vault, --fraction 1): its lease lasts this long after its last renewal,
 * renewed every CLI_SCRUB_LEASE_RENEW_MS (four renewals may fail in a row), as a prune's lease (vault/prune/prune-lease.ts).
 * A killed `lifeboat scrub` blocks the next scrub this long at most.
 */
export const CLI_SCRUB_LEASE_SECONDS = 5 * 60;
export const CLI_SCRUB_LEASE_RENEW_MS = 60_000;

export const DEFAULT_SCRUB_FRACTION = '1/7';

/** A fraction as `1/7`, `0.25` or `1`: above 0, at most 1; null when it is not one. */
export function parseScrubFraction(text: string): number | null {
  const ratio = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  const value = ratio ? Number(ratio[1]) / Number(ratio[2]) : /^\s*\d*\.?\d+\s*$/.test(text) ? Number(text) : NaN;
  return Number.isFinite(value) && value >= MIN_SCRUB_FRACTION && value <= 1 ? value : null;
}

/**
 * The only form --clear-copied-in-count takes: a zone-less time is read in the machine's local time, so it could name
 * another instant than the operator meant, and the refusal's "a run after <until> counted more" could be false (review
 * r57AB F1). Milliseconds at most: the record keeps no finer, so a finer time would be cut to one it does not name.
 */
/**
 * Where a stop's message says every object of a note is named past the first it lists: the `note:` lines the command
 * prints on stderr after it (notedRepairLines), for either stop (review r62O F4: the discarded-unread one said nothing).
 */
const NOTE_LINES_NAME_EACH = "stderr's note lines name each";

const ZONED_ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/;

export async function scrubCommand(options: ScrubCommandOptions, deps: Partial<ScrubCommandDeps> = {}): Promise<number> {
  const io = deps.io ?? processIo;
  const now = deps.now ?? (() => new Date());
  const scope = options.vault ?? 'both';
  if (scope !== 'primary' && scope !== 'dr' && scope !== 'both') {
    io.err(`lifeboat scrub: --vault must be primary, dr or both, got ${scope}`);
    return 2;
  }
  const fractionText = options.fraction ?? DEFAULT_SCRUB_FRACTION;
  const fraction = parseScrubFraction(fractionText);
  if (fraction === null) {
    io.err(`lifeboat scrub: --fraction must be at least ${MIN_SCRUB_FRACTION} and at most 1, as 1/7 or 0.25, got ${fractionText}`);
    return 2;
  }
  const clear = options.clearCopiedInCount;
  if (clear !== undefined && (!ZONED_ISO_TIME.test(clear) || Number.isNaN(Date.parse(clear)))) {
    io.err(`lifeboat scrub: --clear-copied-in-count takes the count's until, an ISO time with Z or an offset as lifeboat status shows it (2026-11-27T03:00:00.000Z), got ${clear}`);
    return 2;
  }
  // What a repair healed, each object as it lands verified: a stop (a catalog that does not answer, a copy S3 refused
  // after its retries) records nothing and prints no report, so it says them (reviews r60O F5, r61D F3); `reported`:
  // the report, which names them, was printed.
  const healed: RepairedObject[] = [];
  let reported = false;
  // A lease release that failed: the next run is refused until its takeover, so a stop cannot say "in a minute" (review r65K F2).
  let unreleased: ScrubLeaseUnreleased | undefined;
  let ended = false;
  try {
    // Checked against the environment's catalog format first (environment-access.ts): every run records itself in the
    // primary catalog (SCRUB#: the record carries the damage earlier runs left, which a CLI that cannot read a newer
    // record's fields would drop: audit aU1-1), so the markers are always looked at; a repair also writes into the vaults
    // in scope and raises their catalogs' markers. Without one they are only glanced at: a busy or silent primary is
    // skipped with a warning, as a `--vault dr` scrub during its region's outage needs (review rZ3 F1).
    const repaired: readonly VaultSide[] = options.repair === true ? (scope === 'both' ? ['primary', 'dr'] : [scope]) : [];
    const access = deps.access ?? scrubAccessOf(await environmentAccess(options, deps.clients, { writes: repaired, checksFormat: true, warn: io.err }));
    // Before the latest run is read: while another scrub holds it, ScrubInProgressError (below) says which and until when.
    const lease = await takeScrubLease(access, now, deps.leaseRenewEveryMs ?? CLI_SCRUB_LEASE_RENEW_MS);
    try {
      // Once the lease is held: of two runs one after the other, the later one's record is the latest.
      const startedAt = now().toISOString();
      const opened = await openVaultsNamingRegion(scope, access, vaultTargetOptionsLine(options));
      // Ended too: its lease, unreleased, is said like any other run's (review r65Z F1).
      if ('nothingYet' in opened) {
        const nothing = await nothingToScrubYet(access, { scope, fraction, repair: options.repair ?? false, startedAt, now, json: options.json ?? false, lease, clear, target: vaultTargetOptionsLine(options) }, opened.nothingYet, io);
        ended = true;
        return nothing;
      }
      const { vaults } = opened;
      // Said on stderr as they happen, and kept for --json (as the scheduled scrub's summary keeps them: scrub-runbook.ts).
      const notes: string[] = [];
      const note = (text: string) => {
        notes.push(text);
        io.err(`note: ${text}`);
      };
      if (lease.unleased !== undefined) note(lease.unleased);
      for (const { side, error } of opened.unopened) note(`the ${side} vault cannot be opened (${message(error)}); the ${scope} vault is neither compared with it nor repaired from it`);
      const forgotten: Partial<Record<VaultSide, ReadonlySet<string>>> = {};
      // Only the vaults in scope (scrub-runbook.ts): the other vault's catalog is not needed, so not read.
      const inScope: readonly VaultSide[] = scope === 'both' ? ['primary', 'dr'] : [scope];
      for (const side of inScope) {
        if (!access.forgottenSnapshots) break;
        const read = await forgottenIn(side, (of, plans) => access.forgottenSnapshots?.(of, plans, note) ?? Promise.resolve(new Set<string>()), options.repair === true ? scope : undefined, note, `${fractionOption(fractionText, fraction)}${vaultTargetOptionsLine(options)}`);
        if (read !== undefined) forgotten[side] = read;
      }
      let cursor: ScrubCursor = FIRST_SCRUB_CURSOR;
      // Also the damage earlier runs left, which this run's record carries where it does not read it again (scrub-outstanding.ts).
      let previous: ScrubRunRecord | undefined;
      let previousUnread = false;
      try {
        previous = await access.scrubLog.latest();
        cursor = previous?.nextCursor ?? FIRST_SCRUB_CURSOR;
      } catch (err) {
        previousUnread = true;
        note(unreadPreviousNote(err));
      }
      // Refused before the scrub reads or repairs anything, and before anything is recorded.
      const clearing = clear !== undefined && !previousUnread ? copiedInCountToClear(previous, clear, vaultTargetOptionsLine(options)) : undefined;
      const discardedSnapshots = access.discardedSnapshots;
      const report = await scrubVaults({
        vaults,
        scope,
        fraction,
        cursor,
        repair: options.repair ?? false,
        forgotten,
        copiedInOutstanding: copiedInOutstanding(previous),
        // Unread, the previous record cannot say which objects were lost: the reasons say that is unknown (review r64AB F3).
        earlierLosses: previousUnread ? unknownEarlierLosses() : earlierLosses(previous),
        commandOptions: vaultTargetOptionsLine(options),
        // A hold line's: `backups hold` takes no --vault-key (review r62F F1).
        holdCommandOptions: targetOptionsLine(options),
        onRepaired: (finding) => void healed.push(repairedObjectOf(finding)),
        ...(discardedSnapshots
          ? {
              discardedSnapshots: async (snapshots) => {
                try {
                  return await discardedSnapshots(snapshots);
                } catch (err) {
                  // Asked before the missing objects are copied back (scrub-vaults.ts), so a repair stops before copying one;
                  // the slice's corrupt objects are healed before the ask (review rLL), so it says which it healed.
                  if (options.repair === true) throw new ScrubDiscardedUnreadError(err, [...healed], NOTE_LINES_NAME_EACH);
                  note(`the primary catalog cannot be read (${message(err)}); a snapshot a FAILED backup discarded counts as missing`);
                  return new Set<string>();
                }
              },
            }
          : {}),
      });
      for (const text of discardedSnapshotNotes(report)) note(text);
      const summary = scrubRunSummary(report, { environment: access.environment.name, startedAt, endedAt: now().toISOString() }, { ...(previous ? { previous } : {}), unopened: opened.unopened.map((u) => u.side), ...(clear !== undefined ? { clearCopiedInCount: clear } : {}) });
      const { recorded, leaseLost } = previousUnread ? { recorded: false, leaseLost: false } : await recordHoldingLease(access, lease, summary, (text) => note(text));
      const run: ScrubRunContext = { recorded, unopened: opened.unopened.map((u) => u.side), commandOptions: vaultTargetOptionsLine(options) };
      const cleared = clear !== undefined ? clearedCopiedInCount(clearing, { recorded, previousUnread }, summary, note) : {};
      reported = true;
      if (options.json) {
        // Keys, reasons and paths are any text: JSON escapes the C0 controls only, so a CSI or a bidi override in one acted
        // in the terminal; escaped too, they read back the same (review r63P F5).
        io.out(unseenJsonEscaped(JSON.stringify({ ...report, outcome: summary.outcome, recorded, ...cleared, notes }, null, 2)));
        // Said again where a person sees them (the job's log), as without --json: what is left damaged, and what to do.
        printScrubProblems(report, summary, io, run, 'json');
        // A repair's own note (a legal hold not carried over) too: the next scrub finds the object healthy and says
        // nothing of it, and a job's stdout may be parsed, never read (review r62B F4).
        for (const line of notedRepairLines(report.findings.filter((f) => f.outcome === 'repaired').map(repairedObjectOf), { stopped: false })) io.err(`note: ${line}`);
      } else printScrubReport(report, summary, io, run);
      // What it found is printed, but `lifeboat status` does not show it: not a success, whatever the report.
      ended = true;
      return report.ok && !leaseLost ? 0 : 1;
    } finally {
      unreleased = await lease.hold?.release();
      // Unsaid, the next scrub was refused "Another scrub is running" naming this finished run, up to 10 minutes
      // (review r65W F1); a throttled stop says it in its own words below.
      if (unreleased && ended) io.err(`note: ${unreleasedLeaseNote(unreleased)}`);
    }
  } catch (err) {
    if (unreleased && !isThrottledRequest(err)) io.err(`note: ${unreleasedLeaseNote(unreleased)}`);
    // ScrubDiscardedUnreadError says what was healed itself (with "Nothing was repaired" when nothing was).
    const stopped = reported ? [] : healed;
    const said = isThrottledRequest(err) ? saidWithNextStep(message(err), scrubThrottledStop(options.repair === true, unreleased)) : message(err);
    const text = err instanceof ScrubDiscardedUnreadError ? message(err) : endingWithRepairs(said, stopped, NOTE_LINES_NAME_EACH);
    io.err(`lifeboat scrub: ${text}`);
    // Every object whose note (a legal hold not carried over) the message names only the first of (review r62I F2).
    for (const line of notedRepairLines(stopped)) io.err(`note: ${line}`);
    if (isUsageError(err)) return 2;
    // A job reading stdout learns of the failure and of what changed in the vaults all the same (review r61D F2).
    if (options.json === true && !reported) io.out(unseenJsonEscaped(JSON.stringify({ error: text, repaired: stopped }, null, 2)));
    return 1;
  }
}

/** A run whose lease could not be released: the next scrub is refused until the takeover, with the refusal's way out. */
function unreleasedLeaseNote(unreleased: ScrubLeaseUnreleased): string {
  return `the scrub lease could not be released (${message(unreleased.error)}), so it is held until ${unreleased.until}: the next scrub is refused until ${unreleased.takeoverAt} (before then, delete the catalog item pk "SCRUB#LEASE", sk "LEASE" once no other scrub runs: docs/RUNBOOKS.md, "Scrub")`;
}

/**
 * What a scrub stopped by a throttle says (throttled-next-step.ts; f65K: it ended with S3's or DynamoDB's bare words). A
 * stop records nothing, so the next run starts where this one did (the latest record's cursor); what a repair wrote is
 * named after these words, and the next run, over the same slice, reads them again.
 * A smaller --fraction asks fewer reads of the service per run.
 */
function scrubThrottledStop(repairing: boolean, unreleased: ScrubLeaseUnreleased | undefined): ThrottledStop {
  const left = `The scrub stopped part way and recorded nothing: ${repairing ? 'what it repaired or wrote stays in the vault' : 'it changed nothing in the vaults'}`;
  return {
    // Its lease not released (the catalog throttled too), the next run is refused "Another scrub is running" until the
    // takeover: said with the refusal's own way out (ScrubInProgressError), not "in a minute" (review r65K F2).
    ...(unreleased
      ? {
          left: `${left}; its scrub lease could not be released (${message(unreleased.error)}), so it is held until ${unreleased.until}`,
          again: `from ${unreleased.takeoverAt} (before then, delete the catalog item pk "SCRUB#LEASE", sk "LEASE" once no other scrub runs: docs/RUNBOOKS.md, "Scrub")`,
        }
      : { left }),
    why: `the next run starts where this one did${repairing ? ', reads those objects again and repairs what is left' : ''}`,
    lower: 'run it with a lower --fraction',
  };
}

/**
 * The `--fraction` of a `lifeboat scrub` line this run prints to paste, when it was given one other than the default:
 * the line scrubs the same share (review r61D F5). Its spaces dropped (`1 / 4` reads as `1/4`), so it pastes as one word.
 */
function fractionOption(text: string, fraction: number): string {
  return fraction === parseScrubFraction(DEFAULT_SCRUB_FRACTION) ? '' : ` --fraction ${text.replace(/\s+/g, '')}`;
}

/**
 * What `side`'s retention forgot, read before the scrub. With --repair, any failure stops the run before it repairs
 * anything: a forgotten snapshot would count as missing and be copied back from the other vault (review r60L F1: only a
 * refused Scan stopped it). Without, nothing is repaired, so a failure is a note and the run reports on (review r60L F3:
 * a refused Scan stopped a read-only scrub); when only the plans the catalog holds could not be listed, the configured
 * plans' forgotten snapshots are still left out, so only a removed plan's may show as missing. `target`: this command's
 * `--fraction` when not the default, and its target options (vaultTargetOptionsLine), which the stop's `lifeboat scrub`
 * line ends with (reviews r60O F4, r61D F5).
 */
async function forgottenIn(side: VaultSide, read: NonNullable<ScrubAccess['forgottenSnapshots']>, repairing: 'primary' | 'dr' | 'both' | undefined, note: (text: string) => void, target: string): Promise<ReadonlySet<string> | undefined> {
  try {
    return await read(side);
  } catch (err) {
    if (repairing !== undefined) throw err instanceof RecordedPlansUnreadError ? err : new ScrubForgottenUnreadError(side, err, repairing === 'both', target);
    const unread = (failure: unknown) => {
      note(`the ${side} catalog cannot be read (${message(failure)}); a snapshot its retention forgot counts as missing in the ${side} vault`);
      return undefined;
    };
    if (!(err instanceof RecordedPlansUnreadError)) return unread(err);
    try {
      const configured = await read(side, 'configured');
      note(`the plans the ${side} catalog holds could not be listed (${message(err.cause)}); forgotten backups of plans no longer in the config may show as missing in the ${side} vault`);
      return configured;
    } catch (again) {
      return unread(again);
    }
  }
}

/**
 * Why a run whose read of the latest scrub record failed records nothing: its record would replace that one without the
 * damage it carries (objects with no good copy, copies not verified), and `lifeboat status` would show ✓ until a slice
 * read them again, up to a cycle later. Until audit aU1-1 such a run recorded itself as the first of a new cycle; a CLI
 * older than the record's fields (an `otherCopy` it does not know) erased the damage so, exiting 0.
 */
function unreadPreviousNote(err: unknown): string {
  // The item's error says what to do (fix or delete it, or upgrade if a newer version wrote it): a hand-edited record reads the same.
  const why = err instanceof CatalogItemInvalidError ? ' (if a newer Lifeboat wrote it, upgrade the CLI)' : '';
  return `the latest scrub record cannot be read (${message(err)})${why}; this run is not recorded, so that it does not replace the damage that record carries, and it starts at the first object`;
}

/** The lease this run holds, or (`unleased`) why it holds none: then it records nothing. */
type CliScrubLease = { readonly hold?: ScrubLeaseHold; readonly unleased?: string };

/** A lease that never lapses and releases nothing: for an access that has no scrub lease (tests). */
const NO_LEASE: ScrubLeaseHold = { confirm: () => Promise.resolve(), release: () => Promise.resolve(undefined) };

/**
 * Records the run only while this run still holds the scrub lease (ScrubLeaseHold.confirm, review rEE F1): a lease lost
 * (taken over, or lapsed with no renewal for as long as it lasts: a suspended laptop, renewals failing) means another
 * scrub may have read the latest record meanwhile, and recording now could drop its damage or have this run's dropped.
 * Then nothing is recorded, the note says so and what to do, and `leaseLost` makes the command exit 1.
 */
async function recordHoldingLease(access: ScrubAccess, lease: CliScrubLease, summary: ScrubRunRecord, note: (text: string) => void): Promise<{ recorded: boolean; leaseLost: boolean }> {
  if (lease.unleased !== undefined || !lease.hold) return { recorded: false, leaseLost: false };
  try {
    await lease.hold.confirm();
    await access.scrubLog.record(summary);
    return { recorded: true, leaseLost: false };
  } catch (err) {
    if (err instanceof ScrubLeaseLostError) {
      note(err.message);
      return { recorded: false, leaseLost: true };
    }
    note(`the run could not be recorded in the catalog (${message(err)}); the next run starts where the catalog's last recorded run left off`);
    return { recorded: false, leaseLost: false };
  }
}

/**
 * The scrub lease, renewed while this run lasts. Another scrub holding it refuses this one (ScrubInProgressError). A
 * catalog that cannot be written (its region down: `--vault dr` is how to scrub then) does not stop the scrub, as a
 * catalog that cannot be read does not: the run goes on without the lease and is not recorded, since a record made
 * without it could drop the damage of a scrub running now.
 */
async function takeScrubLease(access: ScrubAccess, now: () => Date, renewEveryMs: number): Promise<CliScrubLease> {
  if (!access.scrubLease) return { hold: NO_LEASE };
  try {
    return { hold: await holdScrubLease(access.scrubLease, { by: `lifeboat scrub by ${localRequester()} (pid ${process.pid})`, seconds: CLI_SCRUB_LEASE_SECONDS, now, renewEveryMs }) };
  } catch (err) {
    if (err instanceof ScrubInProgressError) throw err;
    const why = `the scrub lease cannot be taken in the catalog (${message(err)}); this run is not recorded (a run recorded without it could drop the damage of another scrub running now), so the next run starts where the catalog's last recorded run left off`;
    return { unleased: why };
  }
}

/**
 * openScrubbedVaults, with a vault in scope that cannot be opened named with its region and the scrub that works
 * without it (`--vault <other>`, then this command's target options `target`): with a region down, its bare connection
 * error says neither (review R43 F4). A vault that does not exist, or one the catalog says was emptied, keeps its own error.
 */
async function openVaultsNamingRegion(scope: ScrubScope, access: ScrubAccess, target: string): Promise<ScrubbedVaults> {
  const failures = new Map<VaultSide, unknown>();
  const openVault = async (side: VaultSide): Promise<Vault> => {
    try {
      return await access.openVault(side);
    } catch (err) {
      failures.set(side, err);
      throw err;
    }
  };
  const vaultIn = (side: VaultSide) => {
    const region = side === 'primary' ? access.environment.primaryRegion : access.environment.drRegion;
    return `the ${side} vault${region ? ` (${region})` : ''}`;
  };
  try {
    return await openScrubbedVaults(scope, openVault, access.newestRecordedBackup);
  } catch (err) {
    const side = [...failures].find(([, failure]) => failure === err)?.[0];
    if (side === undefined || err instanceof VaultNotFoundError) throw err;
    // A throttle (KMS unwrapping the key, S3's SlowDown) is no region down: rethrown as it is, so the command's throttled
    // next step (run it again in a minute, or with a lower --fraction) is said, not "scrub the other vault alone" (review r65K F1).
    if (isThrottledRequest(err)) throw err;
    const other: VaultSide = side === 'primary' ? 'dr' : 'primary';
    const otherFailure = failures.get(other);
    const instead =
      otherFailure === undefined
        ? `. If its region is down, scrub the ${other} vault alone with \`lifeboat scrub --vault ${other}${target}\` (it is then neither compared with the ${side} vault nor repaired from it), and both once the region answers`
        : `; ${vaultIn(other)} neither: ${message(otherFailure)}`;
    throw new ScrubVaultUnavailableError(`${vaultIn(side)} cannot be opened: ${message(err)}${instead}`, { cause: err });
  }
}

/**
 * Before the first backup: a CLEAN run of no objects, its cursor the last run's, recorded as the scheduled
 * scrub records it (lambdas/replication/scrub-runbook.ts), so that `lifeboat status` shows the scrub ran.
 */
async function nothingToScrubYet(
  access: ScrubAccess,
  run: { scope: ScrubScope; fraction: number; repair: boolean; startedAt: string; now: () => Date; json: boolean; lease: CliScrubLease; clear: string | undefined; target: string },
  reason: string,
  io: CliIo,
): Promise<number> {
  const note = `nothing to scrub yet: the primary vault does not exist, so no backup has run (${reason})`;
  let cursor: ScrubCursor = FIRST_SCRUB_CURSOR;
  let previous: ScrubRunRecord | undefined;
  let previousUnread = false;
  try {
    previous = await access.scrubLog.latest();
    cursor = previous?.nextCursor ?? FIRST_SCRUB_CURSOR;
  } catch (err) {
    previousUnread = true;
    io.err(`note: ${unreadPreviousNote(err)}`);
  }
  const clearing = run.clear !== undefined && !previousUnread ? copiedInCountToClear(previous, run.clear, run.target) : undefined;
  const report: ScrubReport = { scope: run.scope, fraction: run.fraction, repair: run.repair, cursor, nextCursor: cursor, cycleComplete: false, objects: 0, read: {}, findings: [], damage: [], ok: true };
  const summary = scrubRunSummary(report, { environment: access.environment.name, startedAt: run.startedAt, endedAt: run.now().toISOString() }, { ...(previous ? { previous } : {}), ...(run.clear !== undefined ? { clearCopiedInCount: run.clear } : {}) });
  // Without the scrub lease (takeScrubLease), or once it is lost: not recorded.
  if (run.lease.unleased !== undefined) io.err(`note: ${run.lease.unleased}`);
  const { recorded, leaseLost } = previousUnread ? { recorded: false, leaseLost: false } : await recordHoldingLease(access, run.lease, summary, (text) => io.err(`note: ${text}`));
  const notes = [note];
  const cleared = run.clear !== undefined ? clearedCopiedInCount(clearing, { recorded, previousUnread }, summary, (text) => (notes.push(text), io.err(`note: ${text}`))) : {};
  if (run.json) io.out(unseenJsonEscaped(JSON.stringify({ ...report, outcome: summary.outcome, recorded, ...cleared, notes }, null, 2)));
  else io.out(`Nothing to scrub yet: the primary vault does not exist, so no backup has run (${reason}).`);
  return leaseLost ? 1 : 0;
}

/**
 * The count of copied-in snapshots `--clear-copied-in-count <until>` clears: the latest record's, when its `until` is the
 * one given (copied-in-count-clear.ts); none when the record counts none. One whose `until` moved holds entries a later
 * run counted after the operator's check: refused (exit 2) with the `until` to verify up to, as a clear that named no
 * count dropped them unchecked (review r57Z F1). `target`: this command's target options (vaultTargetOptionsLine), so
 * the line it prints scrubs the environment this one read, not the local cloud of env dev (review r57AB F1).
 */
function copiedInCountToClear(previous: ScrubRunRecord | undefined, until: string, target: string): CopiedInNotListed | undefined {
  const counted = previous?.outstanding?.copiedInNotListed;
  if (counted === undefined || namesCopiedInCount(counted, until)) return counted;
  const end = copiedInCountEnd(counted);
  const moved = Date.parse(until) < Date.parse(end) ? ` (a run after ${until} counted more)` : '';
  throw new UsageError(
    `--clear-copied-in-count ${until} does not name the latest record's count of copied-in snapshots: it now holds ${counted.count}, counted from ${counted.since} to ${end}${moved}. Nothing was scrubbed or recorded; verify the backups the runs from ${counted.since} to ${end} copied in (docs/RUNBOOKS.md, "Scrub"), then run lifeboat scrub --clear-copied-in-count ${end}${target}`,
  );
}

/**
 * Says what `--clear-copied-in-count` did (a note), and for --json the field `copiedInCountCleared`: the count cleared, or
 * null when nothing was (none counted, or the run not recorded, so the record still holds it).
 */
function clearedCopiedInCount(
  clearing: CopiedInNotListed | undefined,
  run: { recorded: boolean; previousUnread: boolean },
  summary: ScrubRunRecord,
  note: (text: string) => void,
): { copiedInCountCleared: { count: number; since: string; until: string } | null } {
  if (run.previousUnread) {
    note('--clear-copied-in-count: nothing cleared, as the latest scrub record could not be read and this run is not recorded; run it again once the record reads');
    return { copiedInCountCleared: null };
  }
  if (clearing === undefined) {
    note('--clear-copied-in-count: nothing to clear, the latest scrub record counts no copied-in snapshots');
    return { copiedInCountCleared: null };
  }
  const what = `${clearing.count} copied-in snapshot(s) counted from ${clearing.since} to ${copiedInCountEnd(clearing)}`;
  if (!run.recorded) {
    note(`--clear-copied-in-count: the count of ${what} was not cleared, as this run is not recorded; run it again`);
    return { copiedInCountCleared: null };
  }
  // This run's own, past what the record keeps by id, are counted afresh: nobody verified them.
  const added = summary.outstanding?.copiedInNotListed;
  note(`cleared ${what}${added ? `; this run counted ${added.count} more of its own, from ${added.since}, not cleared` : ''}`);
  return { copiedInCountCleared: { count: clearing.count, since: clearing.since, until: copiedInCountEnd(clearing) } };
}

/**
 * How a run went besides its report: whether the catalog recorded it, the other vault it could not open (not compared,
 * not repaired from), and the command's target options (vaultTargetOptionsLine), which every `lifeboat scrub` line it
 * prints ends with: until review r59D F2 they were bare, and pasted after `scrub --aws --env prod` repaired the local cloud.
 */
export type ScrubRunContext = { readonly recorded: boolean; readonly unopened: readonly VaultSide[]; readonly commandOptions?: string };

/** The report for a reader: what was read, a row per finding, the damage and what to do. */
export function printScrubReport(report: ScrubReport, summary: ScrubRunRecord, io: CliIo, run: ScrubRunContext = { recorded: true, unopened: [] }): void {
  const read = Object.entries(report.read).map(([side, n]) => `${side} ${n}`).join(', ');
  // An unrecorded run moves no cursor: the next one starts from the catalog's last record, not from this run's end.
  const next = !run.recorded
    ? `${report.cycleComplete ? `cycle ${report.cursor.cycle} complete` : `cycle ${report.cursor.cycle}`}; not recorded in the catalog, so the next run starts where the catalog's last recorded run left off`
    : report.cycleComplete
      ? `cycle ${report.cursor.cycle} complete; the next run starts cycle ${report.nextCursor.cycle}`
      : `cycle ${report.nextCursor.cycle}: the next run starts after ${typeof report.nextCursor.after === 'string' ? shownVaultKey(report.nextCursor.after) : '(the first object)'}`;
  io.out(`Scrubbed ${report.scope === 'both' ? 'both vaults' : `the ${report.scope} vault`}: read and verified ${read} of ${report.objects} objects (fraction ${+report.fraction.toPrecision(4)}); ${next}.`);
  if (report.findings.length > 0) {
    const table = new Table({ head: ['VAULT', 'OBJECT', 'PROBLEM', 'OUTCOME', 'WHY'], style: { head: [], border: [] }, wordWrap: true, colWidths: [null, null, null, null, 60] });
    // A key, and a reason quoting one, shown escaped (the report itself, --json, keeps them whole): raw, a key put in the
    // bucket by hand (a newline, ESC) forged a row of the table or coloured the terminal (f63H).
    for (const f of report.findings) table.push([f.vault, shownVaultKey(f.key), f.problem, f.outcome, unseenOnlyEscaped(f.reason ?? '')]);
    io.out(table.toString());
  }
  printScrubProblems(report, summary, io, run, 'table');
  if (summary.outcome === 'CLEAN' || summary.outcome === 'REPAIRED') io.out(scrubVerdict(summary, objectsLeft(report.findings), run, 'table'));
}

/**
 * Where the reason for each object a good copy was not copied to is: the table's WHY column, or, with --json (no
 * table), a line of its own on stderr.
 */
type ReasonsShown = 'table' | 'json';

/**
 * On stderr: each object left damaged or missing with no good copy, the backups and paths it affects, with --json each
 * object with a good copy that was not repaired and why, and the verdict of a run that leaves something to do
 * (REPAIRABLE, DAMAGED). Nothing for a clean or repaired run.
 */
function printScrubProblems(report: ScrubReport, summary: ScrubRunRecord, io: CliIo, run: ScrubRunContext, reasons: ReasonsShown): void {
  // Keys, the notes and reasons that may quote them, and the paths of the backups' own trees are shown escaped, as the
  // table shows them: raw, a key put in the bucket by hand or a file named with a newline forged these lines (f63H).
  const said = (text: string | undefined): string => unseenOnlyEscaped(text ?? 'no reason given');
  for (const d of report.damage) {
    io.err(`${shownVaultKey(d.key)} is damaged or missing in ${d.vaults.join(' and ')} with no good copy${d.blobs !== undefined ? ` (it holds ${d.blobs} blob(s))` : ''}:`);
    if (d.affects.length === 0) io.err(`  no readable snapshot references it${d.note ? `; ${said(d.note)}` : ''}`);
    else if (d.note) io.err(`  ${said(d.note)}`);
    for (const a of d.affects) io.err(affectedLine(a));
  }
  const left = objectsLeft(report.findings);
  // The table has a WHY column; the JSON is on stdout, so each reason is said again here.
  if (reasons === 'json') for (const [key, { sides, reason }] of left.stopped) io.err(`${shownVaultKey(key)} is damaged or missing in ${sides.join(' and ')} and has a good copy in the other vault, but was not repaired: ${said(reason)}`);
  if (reasons === 'json') for (const [key, { sides, reason }] of left.archived) io.err(`${shownVaultKey(key)} is damaged or missing in ${sides.join(' and ')} and its other copy is ${ARCHIVED_COPY}: ${said(reason)}`);
  // With a vault unopened every repair waits for it, as the alarm says (review r65X F1: "or now with …" met the same vault).
  const unopenedVaults = unopenedVaultsNamed(run.unopened);
  const unverified = (problems: Iterable<LeftObject['problem']>) => unverifiedCopy(problems, run.commandOptions, unopenedVaults);
  if (reasons === 'json') for (const [key, { sides, reason, problem }] of left.unverified) io.err(`${shownVaultKey(key)} is damaged or missing in ${sides.join(' and ')} and its other copy is ${unverified([problem])} (${said(reason)})`);
  if (reasons === 'json') for (const [key, { sides, reason }] of left.refused) io.err(`${shownVaultKey(key)} is damaged or missing in ${sides.join(' and ')} and its other copy ${REFUSED_COPY} (${said(reason)})`);
  for (const d of report.archivedCopyDamage ?? []) {
    const unread = left.unverified.get(d.key);
    const until = unread ? `${unverified([unread.problem])}; until then` : left.refused.has(d.key) ? `unread (its check was refused: fix the permission the reason names, then scrub with repair again); until then` : `${ARCHIVED_COPY}; until it is thawed`;
    io.err(`${shownVaultKey(d.key)} is damaged or missing in ${d.vaults.join(' and ')}, and the other vault's copy is ${until}, a restore from ${d.vaults.join(' and ')} fails for:`);
    if (d.note) io.err(`  ${said(d.note)}`);
    for (const a of d.affects) io.err(affectedLine(a));
  }
  if (summary.outcome === 'DAMAGED' || summary.outcome === 'REPAIRABLE') io.err(scrubVerdict(summary, left, run, reasons));
}

/**
 * A backup a damaged object takes data from, as a line under it. Its paths are the backup's own tree (any file name: a
 * newline or ESC in one forged a line), shown as restore, verify and drills print paths (escapeName: `ls -b`'s `\n`,
 * `\x1b`, `\\`); unseenEscaped's `\u000a` spelled the same file another way here (review r63I F2). Its source is a
 * name of the same data, shown as vault snapshots and vault forget show it (escapeName). Its backup id is shown as the
 * verdict below shows it (quotedBackupId: quoted, cut at 40 with a digest), so the id is not whole here and cut there
 * (review r63P F2; cut at 200 with no digest until review r64F F7).
 */
function affectedLine(a: AffectedSnapshot): string {
  const what = a.whole ? 'the whole snapshot' : `${a.entries} entr${a.entries === 1 ? 'y' : 'ies'}: ${a.paths.map(escapeName).join(', ')}${a.entries > a.paths.length ? ', …' : ''}`;
  return `  backup ${a.backupId !== undefined ? quotedBackupId(a.backupId) : '(none)'}, source ${escapeName(a.source)}, snapshot ${unseenEscaped(a.snapshotId.slice(0, 12))} (${unseenEscaped(a.time)}): ${what}`;
}

/**
 * The run's verdict: what was found and what to do. Objects are counted, not findings (an object bad in both vaults is
 * a finding per vault), in the kinds the runbook's failure message counts (scrub-objects-left.ts): an object with a good
 * copy is never said to have none, whatever else the run found.
 */
function scrubVerdict(summary: ScrubRunRecord, left: ObjectsLeft, run: ScrubRunContext, reasons: ReasonsShown): string {
  // The other vault not opened: nothing was compared with it, and it was not searched for a good copy.
  const unopened = unopenedVaultsNamed(run.unopened);
  // Backup ids are the catalog's, any text: raw, a newline or ESC in one forged a line after the escaped ones above or
  // coloured the terminal; shown escaped and cut (review r63I F1).
  const affected = `affected backups: ${affectedBackupsNamed(summary)}`;
  const why = reasons === 'table' ? 'the WHY of each says what stood in the way and what to do' : 'each is named above with what stood in the way and what to do';
  // With --repair, these had a good copy that something stood in the way of copying (a prune, a lock, another account, the archive tier).
  const goodCopy = [
    ...(left.archived.size > 0 ? [`${left.archived.size} object(s) are damaged or missing and their other copy is ${ARCHIVED_COPY}: thaw it and scrub with --repair while the thawed copy lasts (${why}).`] : []),
    ...(left.unverified.size > 0 ? [`${left.unverified.size} object(s) are damaged or missing and their other copy is ${unverifiedCopy([...left.unverified.values()].map((o) => o.problem), run.commandOptions, unopened)} (until then their backups cannot be restored from the vault they are bad in).`] : []),
    ...(left.refused.size > 0 ? [`${left.refused.size} object(s) are damaged or missing and their other copy ${REFUSED_COPY} (${why}; until then their backups cannot be restored from the vault they are bad in).`] : []),
    ...(left.stopped.size > 0 ? [`${left.stopped.size} object(s) are damaged or missing and have a good copy in the other vault, but were not repaired: ${why}.`] : []),
    ...(left.repairable.size > 0 ? [`${left.repairable.size} object(s) are damaged or missing and have a good copy in the other vault: run again with --repair.`] : []),
  ];
  // DAMAGED with none lost itself: objects within an earlier lost group's range whose other copy went unread, the group
  // kept as lost (ScrubFinding `inLostGroup`); "0 object(s) are damaged" hid why (review r64AB F2).
  // Said whenever some are, a real loss listed beside them too (review r65A F7); a refused read needs its permission first (F3).
  const heldGroup = left.inLostGroup.size > 0 || left.lost.size === 0 ? `Objects ${IN_LOST_GROUP} (${affected}): ${inLostGroupAdvice(left.inLostGroupRefused, unopened)}.` : undefined;
  const damaged =
    left.lost.size === 0
      ? undefined
      : unopened
        ? `${left.lost.size} object(s) are damaged or missing, and ${unopened}, which could not be opened, was not searched for a good copy (${affected}); scrub again with --repair once it opens.`
        : `${left.lost.size} object(s) have no good copy in either vault (${affected}); back the affected sources up again, or restore the listed paths from an older backup.`;
  const verdict: Record<ScrubRunRecord['outcome'], string> = {
    CLEAN: unopened ? `Clean: every object read verified; not compared with ${unopened}, which could not be opened.` : 'Clean: every object read verified, and the vaults hold the same objects.',
    REPAIRED: `Repaired ${summary.repaired} object(s) from the other vault; each copy verified where it landed.`,
    // Its objects' other copies were not read, so they are not lost: unverified, and said why (review r64P F2).
    REPAIRABLE: [...(unopened && left.unverified.size > 0 ? [`${unopened}, which could not be opened, was not searched for a good copy: scrub again with --repair once it opens.`] : []), ...goodCopy].join(' '),
    DAMAGED: [...(damaged !== undefined ? [damaged] : []), ...(heldGroup !== undefined ? [heldGroup] : []), ...goodCopy].join(' '),
  };
  return verdict[summary.outcome];
}

/** Backups the verdict names: the lines above each damaged object name the backups it hits, --json every one. */
const VERDICT_BACKUPS_NAMED = 10;

/**
 * The verdict's affected backups: the first VERDICT_BACKUPS_NAMED, quoted and cut at 40 as the alarm's message shows
 * them (namedBackupIds; until review r64F F7 cut at 200 with no digest, unquoted), then how many more, counting those
 * the record names none of (`affectedBackupsNotListed`). Until review r63P F4 it named all up to 2,000, a line of tens
 * of thousands of characters, and read as complete when the record had left some out.
 */
function affectedBackupsNamed(summary: Pick<ScrubRunRecord, 'affectedBackups' | 'affectedBackupsNotListed'>): string {
  const notListed = summary.affectedBackupsNotListed ?? 0;
  if (summary.affectedBackups.length === 0) return notListed > 0 ? `${notListed} not named` : 'none known';
  return namedBackupIds(summary.affectedBackups, VERDICT_BACKUPS_NAMED, notListed);
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export function registerScrubCommand(program: Command): void {
  withTargetOptions(program.command('scrub').description('read and verify the next slice of the vaults\' objects, compare the primary and DR vaults, and with --repair heal each from the other'))
    .option('--vault <vault>', 'primary, dr or both', 'both')
    .option('--fraction <f>', 'share of the objects read per run, as 1/7 or 0.25 (a cycle reads each object once)', DEFAULT_SCRUB_FRACTION)
    .option('--repair', 'copy damaged or missing objects from the other vault once that copy verifies (without it: report only)')
    .option('--vault-key <key>', 'with --aws: the primary vault KMS key (ARN, id or alias); default: alias/lifeboat-<env>-vault')
    .option('--clear-copied-in-count <until>', 'drop the count of copied-in snapshots the latest record keeps no id of, once the backups the runs up to <until> (the count\'s until, as lifeboat status shows it) copied in are verified; refused if a later run added to it (docs/RUNBOOKS.md, "Scrub")')
    .action(async (opts: ScrubCommandOptions) => {
      process.exitCode = await scrubCommand(opts);
    });
}
