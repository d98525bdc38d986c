import { idFromKey, ObjectLockedError, type PruneReport, type Snapshot, snapshotKey, SNAPSHOTS_PREFIX, stopsEveryPrune, type TemporaryFilesReport, type Vault, VaultError } from '../../vault';
import { backupIdOfTags } from '../../lambdas/catalog/backup-snapshot-tags';
import { unseenJsonEscaped } from '../../lambdas/runtime/quoted-service-words';
import { escapeName } from '../escape-name';
import { checkPruneWouldRun } from './forget-prune-preflight';
import { parsePruneSettings, pruneWithTemporaryFiles } from './prune-to-end';
import { pruneReportLines } from './prune-report-lines';
import { checkForgettable, decideVaultForget, forgetGrouping, forgetPolicy, namedOnce, type VaultForgetDecision } from './vault-forget';
import { defaultDeps, EXIT_FAILED, EXIT_INCOMPLETE, EXIT_OK, listed, openForCommand, runVaultCommand, type VaultCommandDeps, type VaultForgetOptions } from './vault-commands';

/**
 * `vault forget`: deletes snapshot objects, the named ones or those the --keep-* rules do not keep
 * (vault-forget.ts). Their data stays until a prune reclaims what no snapshot references; a
 * snapshot is a whole manifest, so no other snapshot depends on it. With --prune that prune follows
 * (restic's `forget --prune`), and reclaims a vault directory's old `.tmp-*` files as `vault prune`
 * does; a dry run then prunes as if the forget had run. Before it deletes anything, a real run with
 * --prune checks what would make that prune refuse (forget-prune-preflight.ts) and then forgets
 * nothing; a prune that fails after the deletes all the same (a lease taken meanwhile, a store error)
 * leaves the forget reported as done (decisions, "Forgot N", `pruneError` in --json) and exits 1. Each snapshot is
 * named once: one named twice (`latest latest`, or `latest` and its id) is refused before anything
 * is deleted (vault-forget.ts namedOnce), so the count printed is always of the snapshots named. An error during the
 * deletes (a throttle, a lost answer) reports what was forgotten and what forgets the rest before it (reportStoppedForget).
 */
export function vaultForget(refs: readonly string[], options: VaultForgetOptions, deps: Partial<VaultCommandDeps> = {}): Promise<number> {
  const { io, env } = { ...defaultDeps, ...deps };
  return runVaultCommand(io, async () => {
    const policy = forgetPolicy(options);
    if (!policy && options.groupBy !== undefined) throw new VaultError('--group-by goes with --keep-* rules: named snapshots are forgotten as named');
    forgetGrouping(options.groupBy);
    if (refs.length > 0 && policy) throw new VaultError('name the snapshots to forget or give --keep-* rules, not both');
    if (refs.length === 0 && !policy) {
      throw new VaultError('name the snapshots to forget, or give --keep-last, --keep-hourly, --keep-daily, --keep-weekly, --keep-monthly, --keep-yearly or --keep-within (the newest snapshot of each directory is always kept)');
    }
    const pruneSettings = pruneSettingsOf(options);
    const vault = await openForCommand(options, env, io);
    let decisions: VaultForgetDecision[];
    if (policy) decisions = decideVaultForget(await vault.listSnapshots(), policy, new Date(), forgetGrouping(options.groupBy));
    else {
      // Every name resolves before anything is deleted: a typo, or a snapshot named twice, forgets nothing.
      const resolved: { ref: string; snapshot: Snapshot }[] = [];
      for (const ref of refs) resolved.push({ ref, snapshot: await vault.resolveSnapshot(ref) });
      const named = namedOnce(resolved);
      checkForgettable(named);
      decisions = named.map((snapshot) => ({ snapshot, forget: true, reasons: [] }));
    }
    const dryRun = options.dryRun ?? false;
    const toForget = decisions.filter((d) => d.forget).map((d) => d.snapshot.id);
    // What would make the prune refuse refuses the forget too, before anything is deleted: forgetting
    // first would leave snapshots gone under an error that says nothing was changed.
    if (pruneSettings && !dryRun && toForget.length > 0) await checkPruneWouldRun(vault, new Set(toForget), pruneSettings);
    const forgotten: string[] = [];
    const locked: Array<{ id: string; reason: string }> = [];
    const deletes = dryRun ? [] : toForget;
    for (const [index, id] of deletes.entries()) {
      try {
        await vault.store.delete(snapshotKey(id));
        forgotten.push(id);
      } catch (err) {
        if (err instanceof ObjectLockedError) {
          locked.push({ id, reason: err.message });
          continue;
        }
        // A named forget run again resolves every id first and refuses one that is gone ("no snapshot … starts with"), so what
        // was forgotten is said, and the rest named in a command that forgets them, before the error (review r64N F1). Even
        // the failed delete may have been applied (its answer lost: a reset, a timeout on the last try), so the rest is read
        // from the vault, not assumed: the command named must not start with a snapshot that is gone (review r64Y F1).
        const failed = { id, gone: false };
        let left = deletes.slice(index);
        const there = await snapshotIdsThere(vault);
        if (there) {
          failed.gone = !there.has(id);
          left = left.filter((leftId) => there.has(leftId));
        }
        reportStoppedForget({ decisions, forgotten, locked, left, failed, byRules: refs.length === 0, json: options.json ?? false, prune: pruneSettings !== undefined, error: err, io });
        throw err;
      }
    }
    // A real run prunes the vault as the forget left it (a snapshot Object Lock kept still protects its data).
    // What fails now (a lease taken since the check, a store error) fails the prune only: the forget is
    // done, and is reported below all the same.
    let prune: { report: PruneReport; temporaryFiles: TemporaryFilesReport } | undefined;
    let pruneError: string | undefined;
    let pruneBlocked = false;
    if (pruneSettings) {
      try {
        prune = await pruneWithTemporaryFiles(vault, { ...pruneSettings, dryRun, ...(dryRun ? { assumeForgotten: new Set(toForget) } : {}) });
      } catch (err) {
        pruneError = err instanceof Error ? err.message : String(err);
        pruneBlocked = stopsEveryPrune(err);
      }
    }
    const pruned: PruneReport | undefined = prune?.report;
    const temporaryFiles: TemporaryFilesReport | undefined = prune?.temporaryFiles;
    if (options.json) {
      const shown = decisions.map((d) => jsonDecision(d));
      // A hostname, a directory or a tag holds any text: its C1 controls, bidi overrides and U+2028, which JSON.stringify
      // leaves raw, as \uXXXX too (a JSON reader reads back the same text), as scrub --json does (review r64F F4).
      io.out(unseenJsonEscaped(JSON.stringify({ dryRun, decisions: shown, forgotten, locked, ...(pruned ? { prune: { ...pruned, temporaryFiles } } : {}), ...(pruneError !== undefined ? { pruneError } : {}) })));
    } else {
      for (const d of decisions) {
        const verb = d.forget ? (dryRun ? 'would forget' : 'forget') : 'keep';
        // The reasons are this program's words: the one that quotes a tag (the backup id of a snapshot the workflow wrote)
        // escapes it itself (vault-forget.ts catalogManaged), so escaping them again would double its backslashes.
        const why = d.reasons.length > 0 ? `  (${d.reasons.join('; ')})` : '';
        io.out(`${decisionLine(verb, d)}${why}`);
      }
      if (dryRun) io.out(`Would forget ${toForget.length} of ${decisions.length} snapshot(s); nothing was changed.`);
      else if (pruned) io.out(`Forgot ${forgotten.length} snapshot(s).`);
      else io.out(`Forgot ${forgotten.length} snapshot(s). Their data stays until \`lifeboat vault prune\` reclaims what no snapshot references.`);
      if (pruned) for (const line of pruneReportLines(pruned, vault.location, pruneSettings?.graceMs, temporaryFiles)) io.out(line);
    }
    if (pruneError !== undefined) io.err(`lifeboat vault: ${pruneFailure(dryRun, options.json ?? false, forgotten.length, pruneError, pruneBlocked)}`);
    if (locked.length > 0) {
      io.err(`lifeboat vault: ${locked.length} snapshot(s) were not forgotten: S3 Object Lock retains them (a later forget deletes them once their retention ends):`);
      for (const line of listed(locked.map((l) => `${l.id.slice(0, 12)}: ${l.reason}`))) io.err(line);
    }
    if (pruneError !== undefined) return EXIT_FAILED;
    return locked.length > 0 ? EXIT_INCOMPLETE : EXIT_OK;
  });
}

/**
 * A decision's line without its reasons. The hostname and the time are the snapshot's text, as its directory is:
 * JSON.stringify left a C1 control (U+009B is CSI) or a bidi override raw, driving the terminal or reversing the line
 * (review r63V F4). The hostname and the directory are quoted, as catalog names are: bare, `vm)  (kept: a legal hold
 * names it` read as a reason this command gave (review r64F F5), and a directory `/src  (host "db")` as another host
 * (review r64N F4).
 */
function decisionLine(verb: string, d: VaultForgetDecision): string {
  const quoted = (text: string): string => unseenJsonEscaped(JSON.stringify(text));
  return `${verb.padEnd(12)} ${d.snapshot.id.slice(0, 12)}  ${escapeName(d.snapshot.time)}  ${quoted(d.snapshot.source.id)}  (host ${quoted(d.snapshot.hostname)})`;
}

/**
 * A decision as --json writes it. The reasons are words for a terminal, their backup id escaped and cut: a snapshot the
 * workflow wrote has its `backupId` too, the tag's text whole, which a script matches to its catalog (review r64N F6).
 */
function jsonDecision(d: VaultForgetDecision): Record<string, unknown> {
  const backupId = backupIdOfTags(d.snapshot.tags);
  return {
    snapshotId: d.snapshot.id,
    time: d.snapshot.time,
    hostname: d.snapshot.hostname,
    source: d.snapshot.source.id,
    ...(backupId !== undefined ? { backupId } : {}),
    forget: d.forget,
    reasons: d.reasons,
  };
}

/**
 * The ids under snapshots/, listed once, or undefined when that listing fails too (the error that stopped the forget is
 * what the operator sees; the rest is then named as the forget left it).
 */
async function snapshotIdsThere(vault: Vault): Promise<Set<string> | undefined> {
  try {
    const ids = new Set<string>();
    for await (const key of vault.store.list(SNAPSHOTS_PREFIX)) {
      const id = idFromKey(SNAPSHOTS_PREFIX, key);
      if (id) ids.add(id);
    }
    return ids;
  } catch {
    return undefined;
  }
}

/**
 * A forget stopped by an error: what it forgot (the decision lines and the count, or --json's `forgotten`, with
 * `notForgotten`, the snapshots still there, and `error`), then on stderr the snapshots left and what forgets them; the
 * caller then lets the error itself reach the operator. No prune runs: it follows a forget that finished. A failed delete
 * whose snapshot is gone may have been applied, so it is said to be maybe deleted, neither forgotten nor left. A --keep-*
 * run is run again as it is: its rules decide from the snapshots there, so a snapshot gone meanwhile refuses nothing.
 */
function reportStoppedForget(stop: {
  decisions: readonly VaultForgetDecision[];
  forgotten: readonly string[];
  locked: ReadonlyArray<{ id: string; reason: string }>;
  left: readonly string[];
  failed: { id: string; gone: boolean };
  byRules: boolean;
  json: boolean;
  prune: boolean;
  error: unknown;
  io: VaultCommandDeps['io'];
}): void {
  const { forgotten, locked, left, failed, io } = stop;
  if (stop.json) {
    const gone = new Set(forgotten);
    const shown = stop.decisions.map((d) => ({ ...jsonDecision(d), forgotten: gone.has(d.snapshot.id) }));
    const error = stop.error instanceof Error ? stop.error.message : String(stop.error);
    const maybe = failed.gone ? { mayBeForgotten: [failed.id] } : {};
    io.out(unseenJsonEscaped(JSON.stringify({ dryRun: false, decisions: shown, forgotten, locked, notForgotten: left, ...maybe, error })));
  } else {
    for (const d of stop.decisions) {
      if (!forgotten.includes(d.snapshot.id)) continue;
      io.out(decisionLine('forgot', d));
    }
    io.out(`Forgot ${forgotten.length} snapshot(s). Their data stays until \`lifeboat vault prune\` reclaims what no snapshot references.`);
  }
  if (locked.length > 0) {
    io.err(`lifeboat vault: ${locked.length} snapshot(s) were not forgotten: S3 Object Lock retains them (a later forget deletes them once their retention ends):`);
    for (const line of listed(locked.map((l) => `${l.id.slice(0, 12)}: ${l.reason}`))) io.err(line);
  }
  const where = stop.json ? '`forgotten` on stdout' : 'listed above';
  const maybeGone = failed.gone ? `; ${failed.id.slice(0, 12)} may have been deleted: its delete failed, and it is no longer in the vault` : '';
  const pruneAfter = stop.prune ? ' and run `lifeboat vault prune` after: the forget\'s prune did not run' : '';
  let next: string;
  if (stop.byRules) next = 'Once the error below is resolved, run the same `lifeboat vault forget --keep-…` command again: its rules decide from the snapshots that are there.';
  else if (left.length > 0) next = `Once the error below is resolved, forget them with \`lifeboat vault forget ${left.map((id) => id.slice(0, 12)).join(' ')}\`${pruneAfter}.`;
  else next = stop.prune ? 'None is left to forget: once the error below is resolved, run `lifeboat vault prune`, the forget\'s prune did not run.' : 'None is left to forget.';
  const stopped = forgotten.length > 0 ? `stopped after forgetting ${forgotten.length} snapshot(s) (${where})` : 'stopped before it forgot any snapshot';
  io.err(`lifeboat vault: the forget ${stopped}; ${left.length} snapshot(s) were not forgotten${maybeGone}. ${next}`);
}

/**
 * The line that says the forget stands though its prune failed, where its list is, and what to run later. `blocked`: the
 * prune stopped on something every prune meets until it is resolved (stopsEveryPrune), so a prune run later fails alike.
 */
function pruneFailure(dryRun: boolean, json: boolean, forgotten: number, reason: string, blocked: boolean): string {
  const why = /[.!?)]$/.test(reason) ? reason : `${reason}.`;
  if (dryRun) return `the dry run of the prune failed: ${why} Nothing was changed.`;
  const where = forgotten === 0 ? '' : json ? ' (`forgotten` on stdout)' : ' (listed above)';
  const then = blocked
    ? 'Their data stays until a prune runs, and every prune stops there until that is resolved: do what the prune\'s reason says first, then run `lifeboat vault prune`.'
    : 'Run `lifeboat vault prune` later to reclaim their data.';
  return `forgot ${forgotten} snapshot(s)${where}, but the prune did not run or did not finish: ${why} ${then}`;
}

/** The prune that follows a forget: its settings, or undefined without --prune (whose settings alone are a usage error). */
function pruneSettingsOf(options: VaultForgetOptions): { graceMs?: number; repackThreshold?: number } | undefined {
  if (!options.prune) {
    const stray = [options.grace !== undefined ? '--grace' : '', options.repackThreshold !== undefined ? '--repack-threshold' : ''].filter(Boolean);
    if (stray.length > 0) throw new VaultError(`${stray.join(' and ')} ${stray.length > 1 ? 'are' : 'is'} for the prune: add --prune, or run \`lifeboat vault prune\` with ${stray.length > 1 ? 'them' : 'it'}`);
    return undefined;
  }
  const settings = parsePruneSettings(options);
  if (typeof settings === 'string') throw new VaultError(settings);
  return settings;
}
