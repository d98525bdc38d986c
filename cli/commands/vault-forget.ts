import { type RetentionConfig, retentionSchema } from '../../config/lifeboat-config';
import { backupIdOfTags } from '../../lambdas/catalog/backup-snapshot-tags';
import { decideRetention } from '../../lambdas/retention/decide-retention';
import { shownItemKeyPart } from '../../lambdas/catalog/shown-item-key';
import { type Snapshot, snapshotStartedAt, VaultError } from '../../vault';
import { unseenJsonEscaped } from '../../lambdas/runtime/quoted-service-words';
import { escapeName } from '../escape-name';

/** The keep rules of `lifeboat vault forget`, as commander hands them over (strings). */
export type VaultForgetRuleOptions = {
  keepLast?: string;
  keepHourly?: string;
  keepDaily?: string;
  keepWeekly?: string;
  keepMonthly?: string;
  keepYearly?: string;
  keepWithin?: string;
  timeZone?: string;
  groupBy?: string;
};

/** One snapshot's verdict: forgotten, or kept with every reason that keeps it. */
export type VaultForgetDecision = { readonly snapshot: Snapshot; readonly forget: boolean; readonly reasons: readonly string[] };

const COUNT_RULES = ['keepLast', 'keepHourly', 'keepDaily', 'keepWeekly', 'keepMonthly', 'keepYearly'] as const;

/** The keep rules as a retention policy (the plans' `retention` schema, so the same words and checks), or null when none is given. */
export function forgetPolicy(options: VaultForgetRuleOptions): RetentionConfig | null {
  const raw: Record<string, unknown> = {};
  for (const rule of COUNT_RULES) {
    const value = options[rule];
    if (value === undefined) continue;
    if (!/^\d+$/.test(value)) throw new VaultError(`--${flagOf(rule)} must be a whole number, got ${JSON.stringify(value)}`);
    raw[rule] = Number(value);
  }
  if (options.keepWithin !== undefined) raw['keepWithin'] = options.keepWithin;
  if (options.timeZone !== undefined) raw['timeZone'] = options.timeZone;
  if (Object.keys(raw).length === 0) return null;
  const parsed = retentionSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    // The schema's overall check (no field) is that some rule keeps something; its message names the
    // config's fields, so the command says it in its own flags, with the values that keep nothing.
    if (typeof issue?.path[0] !== 'string') throw new VaultError(keepsNothing(options));
    throw new VaultError(`--${flagOf(issue.path[0])} ${issue.message}`);
  }
  return parsed.data;
}

const KEEP_RULES = [...COUNT_RULES, 'keepWithin'] as const;

/** Why rules that parse are refused: those given (with their values) keep no snapshot, or none was given. */
function keepsNothing(options: VaultForgetRuleOptions): string {
  const given = KEEP_RULES.filter((rule) => options[rule] !== undefined).map((rule) => `--${flagOf(rule)} ${options[rule] as string}`);
  const flags = KEEP_RULES.map((rule) => `--${flagOf(rule)}`);
  const choose = `give ${flags.slice(0, -1).join(', ')} or ${flags.at(-1) as string} with a value above 0`;
  if (given.length === 0) return `no --keep-* rule given (--time-zone only sets the zone the rules count in): ${choose}`;
  return `the rules given (${given.join(', ')}) keep nothing: ${choose}`;
}

/** How `vault forget --keep-*` groups snapshots before applying the policy to each group (restic's `--group-by`). */
export type VaultForgetGrouping = 'host,path' | 'path';

/** The --group-by option: `host,path` (the default) or `path`. */
export function forgetGrouping(value: string | undefined): VaultForgetGrouping {
  if (value === undefined || value === 'host,path' || value === 'path') return value ?? 'host,path';
  throw new VaultError(`--group-by must be "host,path" (the default: each directory of each machine on its own) or "path" (machines whose hostname changes every run), got ${JSON.stringify(value)}`);
}

/** `keepDaily` → `keep-daily`. */
function flagOf(rule: string): string {
  return rule.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/**
 * Which snapshots the policy forgets, restic's `forget --keep-*` over a bare vault: the policy is
 * applied to each backed-up directory (source) of each machine on its own — snapshots are grouped by
 * hostname and source, as restic groups by host and paths (or by source alone, `--group-by path`) — by decideRetention, the same rules the
 * plans' retention uses (so the newest snapshot of each directory of each host is always kept, and one dated
 * after `now`, from a machine whose clock was wrong, is kept and counted by no rule: the rules count from the
 * newest of the others). Snapshots the
 * backup workflow wrote (a `backupId:` tag) are kept: their catalog's retention forgets them, and
 * deleting them here would leave catalog records naming snapshots that are gone.
 */
export function decideVaultForget(snapshots: readonly Snapshot[], policy: RetentionConfig, now: Date, groupBy: VaultForgetGrouping = 'host,path'): VaultForgetDecision[] {
  const decisions: VaultForgetDecision[] = [];
  const bySource = new Map<string, Snapshot[]>();
  for (const s of snapshots) {
    if (backupIdOfTags(s.tags) !== undefined) {
      decisions.push({ snapshot: s, forget: false, reasons: [catalogManaged(s)] });
      continue;
    }
    if (startedAtOf(s) === undefined) {
      decisions.push({ snapshot: s, forget: false, reasons: [undated(s)] });
      continue;
    }
    // Host and path, as restic groups by default: one path on two machines sharing a vault is two directories. `path`
    // alone for machines whose hostname changes every run (containers, CI runners), each of which would be a group of one.
    const key = JSON.stringify([groupBy === 'path' ? '' : s.hostname, s.source.kind, s.source.id]);
    let group = bySource.get(key);
    if (!group) bySource.set(key, (group = []));
    group.push(s);
  }
  for (const group of bySource.values()) {
    const byId = new Map(group.map((s) => [s.id, s]));
    const verdicts = decideRetention(
      // By when each backup started, as the rules say (a backup that ran past midnight counts on the day it started).
      group.map((s) => ({ backupId: s.id, status: 'COMMITTED' as const, startedAt: startedAtOf(s) as string })),
      policy,
      now,
    );
    for (const v of verdicts) decisions.push({ snapshot: byId.get(v.backupId) as Snapshot, forget: !v.keep, reasons: v.reasons });
  }
  // Newest first by the instant each time names (raw text sorts '2026-…' with any other text), the undated after them.
  return decisions.sort((a, b) => byInstantNewestFirst(a.snapshot, b.snapshot));
}

/**
 * The form commitSnapshot writes a snapshot's `time` in (Date#toISOString). Anything else is not read as a time: V8's
 * Date.parse reads almost any text ending in digits as one ('corrupt 7' is July 2001, '08/12/2026' the 12th of
 * August), and a damaged time so read would be counted by keep-last, keeping one real snapshot fewer.
 */
const COMMITTED_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

/** The instant of the snapshot's `time`, or undefined when it is not in the form a commit writes or names no instant. */
function timeOf(s: Snapshot): number | undefined {
  if (!COMMITTED_TIME.test(s.time)) return undefined;
  const instant = Date.parse(s.time);
  return Number.isNaN(instant) ? undefined : instant;
}

/** When the snapshot's backup started, or undefined when its `time` (any text its object holds) is not a committed time. */
function startedAtOf(s: Snapshot): string | undefined {
  const time = timeOf(s);
  if (time === undefined || Number.isNaN(new Date(time - s.stats.durationMs).getTime())) return undefined;
  return snapshotStartedAt(s);
}

function byInstantNewestFirst(a: Snapshot, b: Snapshot): number {
  const ta = timeOf(a);
  const tb = timeOf(b);
  if (ta !== undefined && tb !== undefined) return tb - ta;
  if (ta !== undefined) return -1;
  if (tb !== undefined) return 1;
  return a.time < b.time ? 1 : a.time > b.time ? -1 : 0;
}

/**
 * Why a snapshot whose time does not read is kept. The rules count snapshots by date, and a forget is not undone, so one
 * they cannot date is left alone, as restic leaves a snapshot it cannot read out of its forget (it warns and goes on):
 * stopping the whole forget on it (a bare "Invalid time value" before) held back every other directory's retention over
 * one damaged or hand-written object. It counts toward no rule, and the others of its directory are decided without it;
 * the reason names it, quoted and escaped, and the command that forgets it by name.
 */
function undated(s: Snapshot): string {
  return `its time ${unseenJsonEscaped(JSON.stringify(s.time))} is not a date and time, so no rule can count it and it is kept; to forget it, name it: \`lifeboat vault forget ${s.id.slice(0, 12)}\``;
}

/**
 * The snapshots named on the command line, each once. A snapshot named twice (`latest latest`, or
 * `latest` and its own id or prefix) is refused rather than forgotten once: the operator who typed
 * two names meant two snapshots, so one of them is a mistake, and a forget is not undone. Nothing
 * is deleted then, and the error names the snapshot and every name that reached it.
 */
export function namedOnce(resolved: readonly { readonly ref: string; readonly snapshot: Snapshot }[]): Snapshot[] {
  const byId = new Map<string, { snapshot: Snapshot; refs: string[] }>();
  for (const { ref, snapshot } of resolved) {
    const seen = byId.get(snapshot.id);
    if (seen) seen.refs.push(ref);
    else byId.set(snapshot.id, { snapshot, refs: [ref] });
  }
  const twice = [...byId.values()].filter((n) => n.refs.length > 1);
  if (twice.length > 0) {
    const which = twice.map((n) => `snapshot ${n.snapshot.id.slice(0, 12)} is named ${n.refs.length} times (${n.refs.map((r) => JSON.stringify(r)).join(', ')})`).join('; ');
    throw new VaultError(`${which}: name each snapshot once (\`lifeboat vault ls\` lists them); nothing was forgotten`);
  }
  return [...byId.values()].map((n) => n.snapshot);
}

/** Snapshots named on the command line: each must be one the bare vault may forget. */
export function checkForgettable(snapshots: readonly Snapshot[]): void {
  for (const s of snapshots) if (backupIdOfTags(s.tags) !== undefined) throw new VaultError(`snapshot ${s.id.slice(0, 12)}: ${catalogManaged(s)}`);
}

/**
 * The reason a workflow-written snapshot is kept or refused. Its backup id is the tag's text, any text a tag was given:
 * escaped and cut as the CLI shows a backup id (shownItemKeyPart), here for both the keep line and the named forget's
 * refusal, whose VaultError reached the terminal with an ESC, a newline or a U+202E raw and uncut (review r64F F2).
 */
function catalogManaged(s: Snapshot): string {
  return `written by the backup workflow (backup ${shownItemKeyPart(backupIdOfTags(s.tags) as string, escapeName)}): its plan's retention forgets it (\`lifeboat backups forget\`), which keeps the catalog in step`;
}
