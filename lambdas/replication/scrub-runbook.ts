import { type ScrubLeaseHold, type ScrubLeaseStore, withScrubLease } from '../catalog/scrub-lease';
import { type ScrubRunRecord } from '../catalog/scrub-record';
import { unseenOnlyEscaped } from '../runtime/quoted-service-words';
import { FIRST_SCRUB_CURSOR, idFromKey, SNAPSHOTS_PREFIX, type Vault } from '../../vault';
import { type VaultSide } from '../runtime/runtime-config';
import { type NewestRecordedBackup } from './absent-vault';
import { type DiscardedSnapshots } from './discarded-snapshots';
import { openScrubbedVaults } from './open-scrubbed-vaults';
import { type AffectedSnapshot, type DamagedObject } from './scrub-damage';
import { scrubRunSummary } from './scrub-run-summary';
import { scrubVaults } from './scrub-vaults';
import { notedRepairLines, repairedObjectOf, withRepairsBeforeStop } from './repaired-before-stop';
import { type ScrubFinding, type ScrubReport, type ScrubScope } from './scrub-report';
import { DISCARDED_NOT_READ_REASON } from './lacked-snapshot-records';
import { NEEDS_CUT_REASON } from './vault-needs-work-out';
import { lostSnapshotsInCatalog } from './lost-snapshots-in-catalog';
import { namedBackupIds } from './named-backup-ids';
import { VaultDamageError } from './replication-errors';
import { ARCHIVED_COPY, IN_LOST_GROUP, inLostGroupAdvice, type LeftObject, objectsLeft, REFUSED_COPY, unopenedVaultsNamed, unverifiedCopy } from './scrub-objects-left';
import { copiedInOutstanding } from './scrub-outstanding';
import { earlierLosses } from './earlier-losses';
import { shownVaultKey } from './shown-vault-key';
import { verifyBackupLine } from './verify-backup-line';

/** What the scrub runbook needs of an environment (the Lambda runtime and a ScrubLog provide it; tests pass fakes). */
export type ScrubRunbookDeps = {
  readonly environment: string;
  readonly scrubLog: { latest(): Promise<ScrubRunRecord | undefined>; record(run: ScrubRunRecord): Promise<void> };
  /** Run right before the run's record is written (the scheduled scrub's second try at the catalog's format marker). */
  readonly beforeRecord?: () => Promise<unknown>;
  /**
   * The scrub lease (lambdas/catalog/scrub-lease.ts), taken before the latest record is read and released once this run
   * is recorded, or has failed: a second scrub at once is refused with ScrubInProgressError. `by`: who this run is, for
   * that refusal; `seconds`: longer than this run can last (the Lambda's time left); `execution`: the Step Functions
   * execution running it, whose retry takes the lease its failed attempt could not release. The run is recorded only
   * while it still holds the lease (ScrubLeaseLostError otherwise). Absent: no lease (a test of one run).
   */
  readonly lease?: { readonly store: ScrubLeaseStore; readonly by: string; readonly seconds: number; readonly execution?: string };
  /**
   * Publishes the run's metrics once it is recorded (the Lambda: publishScrubMetrics), before a run that leaves
   * something unrepaired throws: the scrub-corruption alarm must see those runs above all. A run that stops after
   * repairs publishes them too (stoppedAfterRepairs), as no record is written.
   */
  publish?(run: ScrubRunMetrics): void;
  openVault(side: VaultSide): Promise<Vault>;
  /**
   * The newest backup a vault's region's catalog records as stored in it (absent-vault.ts): a vault that does not
   * exist while this names one was emptied, and the run fails with VaultMissingError. Absent (a caller with no
   * catalog to ask): neither vault existing is taken as no backup yet.
   */
  newestRecordedBackup?: NewestRecordedBackup;
  /**
   * The snapshots a vault's retention forgot (its region's catalog), when that catalog can be read here: not copied back
   * into it. `note`: a line for the run's output (a forgotten record whose snapshot ids do not all read, review r61A F3).
   */
  forgottenSnapshots?(side: VaultSide, note: (text: string) => void): Promise<ReadonlySet<string>> | undefined;
  /** Of snapshots one vault lacks, those their backup discarded (the primary region's catalog): copied into neither vault. */
  readonly discardedSnapshots?: DiscardedSnapshots;
  readonly now?: () => Date;
  /** When this run must be done (ms since the epoch): a repair that copied a snapshot in waits for a running prune of that vault until then. */
  readonly deadline?: number;
  /**
   * The target options (with a leading space) every `lifeboat` command line of its failure, notes and findings ends
   * with (scrub-command-options.ts: `--env <env>`, and `--aws` in AWS). Absent: bare lines (a test).
   */
  readonly commandOptions?: string;
};

/** What a run's metrics are made of (publishScrubMetrics): a recorded run's, or the repairs of a run that stopped. */
export type ScrubRunMetrics = Pick<ScrubRunRecord, 'environment' | 'read' | 'corrupt' | 'missing' | 'unrepaired'>;

export type ScrubRunbookRequest = { readonly scope: ScrubScope; readonly fraction: number; readonly repair: boolean };

/** A damaged object as the runbook lists it: its first affected snapshots, each with its first paths. */
export type ListedDamage = Omit<DamagedObject, 'affects'> & { readonly affects: readonly AffectedSnapshot[]; readonly affectsNotListed: number };

/**
 * The scrub runbook's output (the execution's output of a run that leaves nothing damaged): the
 * run's record as the catalog keeps it (scrub-record.ts), the findings and the damage — bounded, as
 * an execution's output is limited to 256 KiB: at most FINDINGS_LISTED findings (unrepaired first),
 * DAMAGE_LISTED damaged objects with AFFECTS_LISTED snapshots and PATHS_LISTED paths each; `notListed`
 * counts the findings and damaged objects left out (`lifeboat scrub --json` prints everything).
 */
export type ScrubRunbookSummary = ScrubRunRecord & {
  readonly findings: readonly ScrubFinding[];
  readonly damage: readonly ListedDamage[];
  readonly notListed: number;
  /** What the run could not do and went on without (the other vault of a one-vault scope could not be opened). */
  readonly notes: readonly string[];
};

export const FINDINGS_LISTED = 50;
export const DAMAGE_LISTED = 20;
export const AFFECTS_LISTED = 5;
export const PATHS_LISTED = 5;
/** Keys named in a VaultDamageError's message; Step Functions keeps a cause of up to 32 KiB. */
const KEYS_IN_MESSAGE = 10;

const OUTCOME_RANK: Record<ScrubFinding['outcome'], number> = { unrepaired: 0, repairable: 1, repaired: 2 };

/** The bounded summary of a report and its record. */
export function summarizeScrub(report: ScrubReport, record: ScrubRunRecord, notes: readonly string[] = []): ScrubRunbookSummary {
  const findings = [...report.findings].sort((a, b) => OUTCOME_RANK[a.outcome] - OUTCOME_RANK[b.outcome]);
  const damage = report.damage.slice(0, DAMAGE_LISTED).map(
    (d): ListedDamage => ({
      ...d,
      affects: d.affects.slice(0, AFFECTS_LISTED).map((a) => ({ ...a, paths: a.paths.slice(0, PATHS_LISTED) })),
      affectsNotListed: Math.max(d.affects.length - AFFECTS_LISTED, 0),
    }),
  );
  const listedFindings = findings.slice(0, FINDINGS_LISTED);
  return {
    ...record,
    findings: listedFindings,
    damage,
    notListed: findings.length - listedFindings.length + (report.damage.length - damage.length),
    notes: [...notes],
  };
}

/**
 * One scheduled (or started by hand) scrub, as `lifeboat scrub` runs it (cli/commands/scrub-command.ts):
 * the cursor from the catalog's latest SCRUB#RUNS item, the vaults in scope opened (the other one too,
 * to compare with and repair from, when it opens), scrubVaults, the run recorded. Unlike the CLI, a
 * catalog that cannot be read or written fails the run (TransientError is retried by the state
 * machine): a scheduled scrub that silently restarted its cycle every day would never read the end of
 * the vault. A run that leaves anything damaged or missing throws VaultDamageError after recording
 * itself and publishing its metrics (`publish`), so the execution fails where an alarm sees it; one that stops after it
 * repaired objects, before its record was written, publishes those and names them in its error (stoppedAfterRepairs). The whole run holds
 * the scrub lease (`lease`): while another scrub holds it, this one throws ScrubInProgressError before reading anything;
 * one that no longer holds it when it comes to record throws ScrubLeaseLostError and records nothing.
 */
export async function runScrubRunbook(request: ScrubRunbookRequest, deps: ScrubRunbookDeps): Promise<ScrubRunbookSummary> {
  if (!deps.lease) return scrubAndRecord(request, deps);
  const { store, by, seconds, execution } = deps.lease;
  // Released on every path, a VaultDamageError's too; a run the Lambda timeout kills leaves it to lapse at its until.
  return withScrubLease(store, { by, seconds, now: deps.now ?? (() => new Date()), ...(execution !== undefined ? { execution } : {}) }, (hold) => scrubAndRecord(request, deps, hold));
}

/** Records the run only while it still holds the lease: another scrub that took it may have read the latest record already. */
async function recordHolding(deps: ScrubRunbookDeps, hold: ScrubLeaseHold | undefined, record: ScrubRunRecord): Promise<void> {
  await hold?.confirm();
  await deps.beforeRecord?.();
  await deps.scrubLog.record(record);
}

async function scrubAndRecord(request: ScrubRunbookRequest, deps: ScrubRunbookDeps, hold?: ScrubLeaseHold): Promise<ScrubRunbookSummary> {
  const now = deps.now ?? (() => new Date());
  // Once the lease is held: of two runs one after the other, the later one's record is the latest.
  const startedAt = now().toISOString();
  const notes: string[] = [];
  // The schedule fires on deploy (a rate fires on creation), before the first backup creates the primary vault
  // (and its replica): nothing to scrub yet is a clean run, not a failure to alarm on. Only then: a vault emptied
  // since is no fresh environment (openScrubbedVaults).
  const opened = await openScrubbedVaults(request.scope, (side) => deps.openVault(side), deps.newestRecordedBackup);
  if ('nothingYet' in opened) return nothingToScrubYet(request, deps, startedAt, opened.nothingYet, hold);
  const { vaults } = opened;
  for (const { side, error } of opened.unopened) {
    notes.push(`the ${side} vault cannot be opened (${error instanceof Error ? error.message : String(error)}); the ${request.scope} vault was neither compared with it nor repaired from it`);
  }
  // The previous run: where this one starts, and the damage it left that this one must carry if it does not read it.
  const previous = await deps.scrubLog.latest();
  const cursor = previous?.nextCursor ?? FIRST_SCRUB_CURSOR;
  const forgotten: Partial<Record<VaultSide, ReadonlySet<string>>> = {};
  // Only the vaults in scope: scrubVaults asks a vault's forgotten snapshots only of a vault it checks, and a
  // primary-only run must not fail because the DR region's catalog cannot be read.
  for (const side of request.scope === 'both' ? (['primary', 'dr'] as const) : [request.scope]) {
    const set = await deps.forgottenSnapshots?.(side, (text) => notes.push(text));
    if (set) forgotten[side] = set;
  }
  // A run that stops after repairs (the discarded set unread, a copy S3 refused after its retries, the record's write
  // throttled, the lease lost) records nothing: its error names them, so the failed execution says the vaults changed
  // (review r61D F4), and their metric is published (stoppedAfterRepairs).
  const repaired: ScrubFinding[] = [];
  const options = deps.commandOptions ?? '';
  let report: ScrubReport;
  let record: ScrubRunRecord;
  try {
    report = await scrubVaults({
      vaults,
      scope: request.scope,
      fraction: request.fraction,
      cursor,
      repair: request.repair,
      forgotten,
      copiedInOutstanding: copiedInOutstanding(previous),
      earlierLosses: earlierLosses(previous),
      onRepaired: (finding) => void repaired.push(finding),
      ...(deps.discardedSnapshots ? { discardedSnapshots: deps.discardedSnapshots } : {}),
      ...(deps.deadline !== undefined ? { deadline: deps.deadline } : {}),
      ...(deps.commandOptions !== undefined ? { commandOptions: deps.commandOptions } : {}),
    });
    notes.push(...discardedSnapshotNotes(report), ...supersededNotes(report));
    notes.push(...cutNotes(report), ...packsNotLookedForNotes(report), ...notWorkedOutNotes(report, options), ...snapshotsNotWorkedOutNotes(report, options));
    record = scrubRunSummary(report, { environment: deps.environment, startedAt, endedAt: now().toISOString() }, { previous, unopened: opened.unopened.map((u) => u.side) });
    await recordHolding(deps, hold, record);
  } catch (err) {
    throw stoppedAfterRepairs(err, repaired, deps);
  }
  deps.publish?.(record);
  if (!report.ok) throw new VaultDamageError(damageMessage(report, record, options, opened.unopened.map((u) => u.side)));
  return summarizeScrub(report, record, notes);
}

/**
 * The error of a run that stopped after it repaired objects, its message naming them (withRepairsBeforeStop: the same
 * error, so a TransientError is still retried by the state machine), their metric published first (review r61T F1).
 * The retry reads the same slice, finds those objects healthy and records CLEAN: without this, the scrub-corruption
 * alarm, which alone says that objects went bad when all were repaired, never heard of them. Counted as found
 * and repaired (a copy whose verifying read stopped the run too: written from a verified copy, the retry reads it),
 * nothing read: the retry's record counts the slice's reads. Not carried into the retry's record: the
 * catalog, the one place a retry could read them from, is what such a stop most often failed to write.
 */
function stoppedAfterRepairs(err: unknown, repaired: readonly ScrubFinding[], deps: Pick<ScrubRunbookDeps, 'environment' | 'publish'>): unknown {
  if (repaired.length === 0) return err;
  const corrupt = repaired.filter((f) => f.problem === 'corrupt').length;
  deps.publish?.({ environment: deps.environment, read: {}, corrupt, missing: repaired.length - corrupt, unrepaired: 0 });
  const objects = repaired.map(repairedObjectOf);
  // The message names the first objects of each note (a legal hold not carried over): the log names every one (review r62I F2).
  for (const line of notedRepairLines(objects)) console.warn(JSON.stringify({ level: 'WARN', message: line }));
  return withRepairsBeforeStop(err, objects, "the function's log names each");
}

/** What the run left alone on purpose: snapshots their backup discarded that one vault lacks and the other holds (scrubVaults). */
export function discardedSnapshotNotes(report: Pick<ScrubReport, 'discardedSnapshots'>): string[] {
  return Object.entries(report.discardedSnapshots ?? {}).map(([side, ids]) => {
    const named = `${ids.slice(0, KEYS_IN_MESSAGE).join(', ')}${ids.length > KEYS_IN_MESSAGE ? ` and ${ids.length - KEYS_IN_MESSAGE} more` : ''}`;
    const holder = side === 'primary' ? 'dr' : 'primary';
    return `${ids.length} snapshot(s) the ${holder} vault holds and the ${side} vault lacks were discarded by their backup, FAILED or committed without them (${named}): not copied, as a failed run's cleanup deletes them from the primary vault on purpose; the ${holder} vault's copy is left (docs/RUNBOOKS.md, "Scrub")`;
  });
}

/** That the deadline came first (scrubVaults' `cut`): where the run stopped, and what to do when it happens day after day. */
export function cutNotes(report: Pick<ScrubReport, 'cut' | 'nextCursor'>): string[] {
  if (!report.cut) return [];
  return [
    `cut by its deadline after ${report.nextCursor.after ?? 'no object'}: the slice was not read whole; the next run goes on from there. Cut day after day, lower the fraction or scrub more often (docs/RUNBOOKS.md, "Scrub")`,
  ];
}

/**
 * The packs an index object of the slice lists that neither vault's listing holds, which the deadline left not looked
 * for again (scrubVaults' `packsNotLookedFor`): not judged lost, so a note; the next run reads those index objects again.
 */
export function packsNotLookedForNotes(report: Pick<ScrubReport, 'packsNotLookedFor'>): string[] {
  return Object.entries(report.packsNotLookedFor ?? {}).map(
    ([side, n]) =>
      `${n.packs} pack(s) the ${side} vault's index objects list and neither vault's listing holds were not looked for again by the run's deadline, so none is judged lost yet: the next run reads the index objects again from ${n.from} and judges them (docs/RUNBOOKS.md, "Scrub")`,
  );
}

/**
 * The objects a vault lacks that the run's deadline or its function's memory left it unable to tell whether its
 * snapshots need (scrubVaults' `notWorkedOut`): neither missing nor damage, so a note (review rQ F2). The next run
 * resolves them only if its time and memory allow: a memory bound binds every scheduled run alike.
 */
export function notWorkedOutNotes(report: Pick<ScrubReport, 'notWorkedOut' | 'notWorkedOutCause'>, options = ''): string[] {
  return Object.entries(report.notWorkedOut ?? {}).map(([side, n]) => {
    const holder = side === 'primary' ? 'dr' : 'primary';
    const what = `${n} data, index or manifest object(s) the ${holder} vault holds and the ${side} vault lacks were not worked out`;
    const effect = 'so none is counted missing and no snapshot it lacks is copied';
    const fix = `lifeboat scrub --vault ${side} --repair${options} (docs/RUNBOOKS.md, "Scrub")`;
    // Named by the run that cut it (review rJ F2); a report without the cause names both, as before.
    const cause = report.notWorkedOutCause?.[side as keyof NonNullable<ScrubReport['notWorkedOutCause']>];
    if (cause === 'memory') {
      return `${what}: they, or working out which of them that vault's snapshots need (its index objects, its snapshots' references), were more than the scrub function's memory holds, ${effect}; every scheduled run meets the same bound: scrub from a machine, which has none: ${fix}`;
    }
    if (cause === 'deadline') {
      return `${what}: the run's deadline came before it worked out which of them that vault's snapshots need, ${effect}; the next run works them out if its time allows and, with repair, copies those needed; else scrub from a machine, which has no deadline: ${fix}`;
    }
    return `${what}: ${NEEDS_CUT_REASON}, ${effect}; the next run works them out if its time and memory allow and, with repair, copies those needed; else scrub from a machine, which has neither bound: ${fix}`;
  });
}

/**
 * The snapshots a vault lacks whose record in the other the run had no time to read (scrubVaults'
 * `snapshotsNotWorkedOut`): not known to be missing, since their backup may have discarded them, so a note (review rF F2).
 */
export function snapshotsNotWorkedOutNotes(report: Pick<ScrubReport, 'snapshotsNotWorkedOut'>, options = ''): string[] {
  return Object.entries(report.snapshotsNotWorkedOut ?? {}).map(([side, ids]) => {
    const named = `${ids.slice(0, KEYS_IN_MESSAGE).join(', ')}${ids.length > KEYS_IN_MESSAGE ? ` and ${ids.length - KEYS_IN_MESSAGE} more` : ''}`;
    const holder = side === 'primary' ? 'dr' : 'primary';
    return `${ids.length} snapshot(s) the ${holder} vault holds and the ${side} vault lacks were not worked out (${named}): ${DISCARDED_NOT_READ_REASON}, so none is counted missing nor copied; the next run reads them if its time allows; left so run after run, scrub from a machine: lifeboat scrub --vault ${side} --repair${options} (docs/RUNBOOKS.md, "Scrub")`;
  });
}

/**
 * Damaged index objects a repair's tombstone supersedes (scrubVaults): harmless, so said rather than alarmed on. Its key
 * and its tombstone's are shown escaped and cut, its detail with the controls escaped: raw, a newline or ESC in them
 * forged a line of the notes or coloured the terminal (f63Q). The report (--json) keeps them whole.
 */
export function supersededNotes(report: Pick<ScrubReport, 'superseded'>): string[] {
  return (report.superseded ?? []).map(
    (s) => `${shownVaultKey(s.key)} in the ${s.vault} vault is damaged (${unseenOnlyEscaped(s.detail)}) but superseded: \`vault repair index\` replaced it and its tombstone ${shownVaultKey(s.tombstone)} names it; no backup or prune reads it, and the next \`vault prune\` after its Object Lock retention deletes it`,
  );
}

/**
 * Room for a VaultDamageError's message, JSON-quoted: Step Functions keeps 32,768 characters of a failure's cause, and a
 * Lambda's error carries the message twice there (`errorMessage`, and the `trace`'s first line) with its stack frames,
 * as for lambdas/failover/unreadable-newer-backups.ts. A DR vault's refused overwrite has a reason of 700 to 1,400
 * characters: thirty such objects took 41,755, and the affected backups and the cut note after them were lost (review
 * r63P F3).
 */
export const DAMAGE_MESSAGE_ROOM = 14_000;
/** Characters of a reason kept when the reasons, each stated once, still pass the room. */
const REASON_CUT = 300;

/**
 * How a DAMAGED message names the objects left and their reasons: `inline`, each object's reason beside it, as long as
 * the message fits; `numbered`, each distinct reason stated once after the notes (`Reason 1: …`), the objects naming it
 * by number (`[reason 1]`), cut to `cut` characters; `none`, no reason, `lifeboat scrub --json` named for them.
 * `backups`: the ids each list of backups names (KEYS_IN_MESSAGE unless told), then how many more.
 */
type DamageLayout = { readonly keys: number; readonly reasons: 'inline' | 'numbered' | 'none'; readonly cut?: number; readonly backups?: number };

/** Tried in turn until one fits DAMAGE_MESSAGE_ROOM; the last is taken whatever its length. */
const DAMAGE_LAYOUTS: readonly DamageLayout[] = [
  { keys: KEYS_IN_MESSAGE, reasons: 'inline' },
  { keys: KEYS_IN_MESSAGE, reasons: 'numbered' },
  { keys: KEYS_IN_MESSAGE, reasons: 'numbered', cut: REASON_CUT },
  { keys: 5, reasons: 'numbered', cut: REASON_CUT },
  { keys: 1, reasons: 'numbered', cut: REASON_CUT },
  { keys: KEYS_IN_MESSAGE, reasons: 'none' },
  { keys: 1, reasons: 'none' },
  // Backup ids are any text a catalog item holds: forged ones of control characters, 40 shown, each escaped to \u009b
  // then JSON-quoted (7 characters each), passed the room in the lists of every kind (review r63V F1).
  { keys: 1, reasons: 'none', backups: 3 },
  { keys: 1, reasons: 'none', backups: 1 },
];

/**
 * `DAMAGED: 2 object(s) …: data/ab… (primary, dr), …; affected backups: …` — what an alarm's reader needs first. The
 * objects left are told apart: with no good copy in either vault (lost), with a good copy that something stood in the
 * way of copying (each named with its first finding's reason: what to do differs), and not repaired for want of repair.
 * Fitted to DAMAGE_MESSAGE_ROOM: the run's record and the notes are always whole; the reasons are stated once each, then
 * cut, then fewer objects named, then fewer backups of each list (their count said), until it fits. `unopened`: the
 * vaults the run could not open, named in the advice for objects within an earlier lost group ("once the dr vault
 * opens", as the CLI's verdict says): told to scrub again now, the operator's run hit the same unopened vault (review
 * r65J F3).
 */
export function damageMessage(report: ScrubReport, record: ScrubRunRecord, options = '', unopened: readonly VaultSide[] = []): string {
  let message = '';
  for (const layout of DAMAGE_LAYOUTS) {
    message = damageMessageLaidOut(report, record, options, layout, unopened);
    if (JSON.stringify(message).length <= DAMAGE_MESSAGE_ROOM) return message;
  }
  return message;
}

function damageMessageLaidOut(report: ScrubReport, record: ScrubRunRecord, options: string, layout: DamageLayout, unopened: readonly VaultSide[]): string {
  const reasonNumbers = new Map<string, number>();
  let reasonsLeftOut = false;
  const cutReason = (reason: string): string => (layout.cut !== undefined && reason.length > layout.cut ? `${reason.slice(0, layout.cut)}…` : reason);
  const reasonOf = (reason: string): string => {
    if (layout.reasons === 'inline') return ` [${reason}]`;
    if (layout.reasons === 'none') {
      reasonsLeftOut = true;
      return '';
    }
    const text = cutReason(reason);
    const number = reasonNumbers.get(text) ?? reasonNumbers.size + 1;
    reasonNumbers.set(text, number);
    return ` [reason ${number}]`;
  };
  // Backup ids, shown escaped, quoted and cut at 40 (a real id is 25 characters): raw, a newline or ESC in an id read
  // from the catalog forged a line of the alarm's message or coloured the terminal printing it (review r63I F1); cut at
  // 200, ten forged ids of control characters to a list passed the room (review r63V F1); unquoted, an id holding `, `
  // read as two (review r64F F6). Those left out are counted, the record's affected backups it lists none of too (F1).
  const backupList = (ids: readonly string[], notListed = 0): string => namedBackupIds(ids, layout.backups ?? KEYS_IN_MESSAGE, notListed);
  // A reason is a sentence of its own, with semicolons: bracketed, so that the list stays readable.
  const listed = (byKey: ReadonlyMap<string, LeftObject>, withReason: boolean): string => {
    const named = [...byKey].slice(0, layout.keys).map(([key, { sides, reason }]) => `${key} (${sides.join(', ')})${withReason && reason !== undefined ? reasonOf(reason) : ''}`);
    return `${named.join(', ')}${byKey.size > named.length ? `, and ${byKey.size - named.length} more` : ''}`;
  };
  const { lost, archived, unverified, refused, stopped, repairable, inLostGroup, inLostGroupRefused } = objectsLeft(report.findings);
  // A snapshot this run copied in is no longer missing: no later scrub copies it, as unverifiedCopy promises (review r57F
  // L2); the next scrub of its vault checks its tree again (copied-in-recheck.ts), lifeboat verify tells at once.
  const copiedInKeys = new Set(report.findings.filter((f) => f.copiedIn === true).map((f) => f.key));
  const copiedIn = new Map([...unverified].filter(([key]) => copiedInKeys.has(key)));
  const laterScrub = new Map([...unverified].filter(([key]) => !copiedInKeys.has(key)));
  // verify reads the primary vault unless told --from dr: a copy in the DR vault is checked there (review r57M L2).
  const copiedInto = report.findings.filter((f) => f.copiedIn === true && copiedIn.has(f.key)).map((f) => f.vault);
  // The backups of the objects of one kind (`archivedCopyDamage` holds both kinds whose other copy was not verified).
  const backupsOf = (kind: ReadonlyMap<string, LeftObject>): string => {
    const ids = [...new Set((report.archivedCopyDamage ?? []).filter((d) => kind.has(d.key)).flatMap((d) => d.affects.flatMap((a) => (a.backupId ? [a.backupId] : []))))].sort();
    return ids.length > 0 ? ` (backups not restorable from the damaged vault until then: ${backupList(ids)})` : '';
  };
  // Cut, the mapping named no backup: the list of affected backups below would read as complete (review rS F3).
  const lostNotMapped = report.backupsNotWorkedOut ? lostNotMappedNote([...lost.keys()], options) : '';
  // A scrub now meets the same unopened vault: the advice waits for it to open (review r65S F3).
  const unopenedVaults = unopenedVaultsNamed(unopened);
  const parts = [
    ...(lost.size > 0 ? [`${lost.size} object(s) damaged or missing with no good copy in either vault: ${listed(lost, false)}${lostNotMapped}`] : []),
    // Not unverified: said so, the alarm told nothing was lost and to scrub while the DR vault was down (review r65A F2).
    ...(inLostGroup.size > 0 ? [`Objects ${IN_LOST_GROUP}: ${inLostGroup.size} object(s) damaged or missing whose other copy was not read; ${inLostGroupAdvice(inLostGroupRefused, unopenedVaults)}${backupsOf(inLostGroup)}: ${listed(inLostGroup, true)}`] : []),
    ...(archived.size > 0 ? [`${archived.size} object(s) damaged or missing whose other copy is ${ARCHIVED_COPY}, to thaw and repair from${backupsOf(archived)}: ${listed(archived, true)}`] : []),
    ...(laterScrub.size > 0 ? [`${laterScrub.size} object(s) damaged or missing whose other copy is ${unverifiedCopy([...laterScrub.values()].map((o) => o.problem), options, unopenedVaults)}${backupsOf(laterScrub)}: ${listed(laterScrub, true)}`] : []),
    ...(refused.size > 0 ? [`${refused.size} object(s) damaged or missing whose other copy ${REFUSED_COPY}${backupsOf(refused)}: ${listed(refused, true)}`] : []),
    ...(copiedIn.size > 0 ? [`${copiedIn.size} snapshot object(s) copied in by this run whose copy is not known to restore: the next scrub of that vault checks it again; to know now, check each backup with ${verifyBackupLine(copiedInto, options)}${backupsOf(copiedIn)}: ${listed(copiedIn, true)}`] : []),
    ...(stopped.size > 0 ? [`${stopped.size} object(s) damaged or missing with a good copy in the other vault, not repaired: ${listed(stopped, true)}`] : []),
    ...(repairable.size > 0 ? [`${repairable.size} object(s) damaged or missing with a good copy in the other vault, not repaired (run with "repair": true): ${listed(repairable, false)}`] : []),
  ];
  const backups = record.affectedBackups.length > 0 ? `; affected backups: ${backupList(record.affectedBackups, record.affectedBackupsNotListed)}` : '';
  // A failed run has no output for its notes: a cut run says so here too, or nobody learns its slice was not read whole.
  const cut = cutNotes(report).map((note) => ` This run was ${note}.`).join('') + [...packsNotLookedForNotes(report), ...notWorkedOutNotes(report, options), ...snapshotsNotWorkedOutNotes(report, options)].map((note) => ` ${note}.`).join('');
  // Stated after the notes: a reason of a thousand characters must not push them out of the cause (review r63P F3).
  const reasons =
    reasonsLeftOut
      ? ` The objects' reasons are too long to state here: lifeboat scrub --json${options} gives each.`
      : [...reasonNumbers].map(([text, number]) => ` Reason ${number}: ${text}.`).join('') + (layout.cut !== undefined && reasonNumbers.size > 0 ? ` (Reasons cut at ${layout.cut} characters: lifeboat scrub --json${options} gives each whole.)` : '');
  return `${record.outcome}: ${parts.join('. ')}${backups}. The run is recorded in the catalog (SCRUB#RUNS ${record.startedAt}); lifeboat scrub --json${options} lists every object and the paths affected.${cut}${reasons}`;
}


/**
 * What a DAMAGED message says of lost objects whose mapping to backups the deadline cut, and who names those backups.
 * A scrub reading the objects again names them, but not those of a lost snapshot object: copied in (its manifest
 * unreadable in both vaults) it is no longer missing, so only the next scrub of its vault, which checks it again, names
 * them, and one whose record no vault reads has no backup a scrub can name (whenMappedAgain): its backup is found in the
 * catalog now (reviews r57C, r57M).
 */
function lostNotMappedNote(lostKeys: readonly string[], options: string): string {
  const snapshotIds = lostKeys.flatMap((key) => idFromKey(SNAPSHOTS_PREFIX, key) ?? []);
  const scrubNames = `\`lifeboat scrub --fraction 1${options}\` names them`;
  if (snapshotIds.length === 0) return `; the backups they hit were not worked out by the deadline: ${scrubNames}`;
  const inCatalog = lostSnapshotsInCatalog(snapshotIds.slice(0, KEYS_IN_MESSAGE), snapshotIds.length);
  if (snapshotIds.length === lostKeys.length) return `; the backups they hit were not worked out by the deadline, and ${inCatalog}`;
  return `; the backups they hit were not worked out by the deadline: for the other objects ${scrubNames}; ${inCatalog}`;
}

async function nothingToScrubYet(request: ScrubRunbookRequest, deps: ScrubRunbookDeps, startedAt: string, reason: string, hold: ScrubLeaseHold | undefined): Promise<ScrubRunbookSummary> {
  const now = deps.now ?? (() => new Date());
  const previous = await deps.scrubLog.latest();
  const cursor = previous?.nextCursor ?? FIRST_SCRUB_CURSOR;
  const report: ScrubReport = { scope: request.scope, fraction: request.fraction, repair: request.repair, cursor, nextCursor: cursor, cycleComplete: false, objects: 0, read: {}, findings: [], damage: [], ok: true };
  const record = scrubRunSummary(report, { environment: deps.environment, startedAt, endedAt: now().toISOString() }, { previous });
  await recordHolding(deps, hold, record);
  deps.publish?.(record);
  return summarizeScrub(report, record, [`nothing to scrub yet: the primary vault does not exist, so no backup has run (${reason})`]);
}
