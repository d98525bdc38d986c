import { types } from 'node:util';
import { type VaultSide } from '../runtime/runtime-config';
import { type ScrubFinding } from './scrub-report';
import { shownVaultKey } from './shown-vault-key';

/** Repaired objects named in the sentence, and in each note; the counts cover them all. */
const REPAIRED_LISTED = 10;

/**
 * An object a scrub repaired (ScrubVaultsOptions.onRepaired): copied from the other vault and verified where it landed.
 * `note`: what the repair's finding said besides (a legal hold that could not be carried over): a stop prints no
 * report, and the next scrub finds the object healthy, so the stop's message is the only place left to say it (review
 * r62B F1). `unverified`: copied, but the read verifying it threw, and that error stopped the run (review r62F F2).
 */
export type RepairedObject = { readonly vault: VaultSide; readonly key: string; readonly note?: string; readonly unverified?: true };

/** A repaired finding as a stop names it: its vault, key, and its reason as the note; one not `repaired` is unverified. */
export function repairedObjectOf(finding: ScrubFinding): RepairedObject {
  return { vault: finding.vault, key: finding.key, ...(finding.reason !== undefined ? { note: finding.reason } : {}), ...(finding.outcome !== 'repaired' ? { unverified: true as const } : {}) };
}

/**
 * What a scrub with repair that stopped (a store error after the retries, a catalog that did not answer) says of the
 * objects it had repaired by then: a stop records nothing and prints no report, so nothing else says that the vaults
 * changed (reviews r60O F5, r61D F3, F4). `Nothing was repaired before the stop.` when none was. Copies whose verifying
 * read stopped the run are said apart: not shown to be good. Each note is said once, naming the first REPAIRED_LISTED
 * objects it holds for and how many more: naming all, 400 objects with one note outgrew Step Functions' 32,768-character
 * cause (review r62F F3). The rest were then named nowhere, and the next scrub finds them healthy (review r62I F2): the
 * caller names each where it has room (notedRepairLines) and says where in `eachNamedIn` ("the function's log names each").
 */
export function repairedBeforeStop(repaired: readonly RepairedObject[], eachNamedIn?: string): string {
  if (repaired.length === 0) return 'Nothing was repaired before the stop.';
  // Escaped and cut as the note lines show it: raw, a key put in the bucket by hand forged a line of the stop (f63H).
  const name = (o: RepairedObject): string => `${o.vault} ${shownVaultKey(o.key)}`;
  const listed = (objects: readonly RepairedObject[]): string => namedOf(objects.map(name));
  const verified = repaired.filter((o) => o.unverified !== true);
  const unverified = repaired.filter((o) => o.unverified === true);
  const sentences: string[] = [];
  if (verified.length > 0) sentences.push(`Before the stop it repaired ${verified.length} object(s) from the other vault, each verified where it landed: ${listed(verified)}.`);
  if (unverified.length > 0) {
    sentences.push(`${verified.length > 0 ? 'It also' : 'Before the stop it'} wrote ${unverified.length} object(s) from the other vault's verified copy, unverified where they landed (reading them back is what failed): ${listed(unverified)}.`);
  }
  const noted = new Map<string, string[]>();
  for (const o of repaired) {
    if (o.note === undefined) continue;
    const objects = noted.get(o.note) ?? [];
    objects.push(name(o));
    noted.set(o.note, objects);
  }
  const notes = [...noted].map(([note, objects]) => ` For ${namedOf(objects, eachNamedIn)}: ${note}.`);
  return `${sentences.join(' ')}${notes.join('')}`;
}

/** The first REPAIRED_LISTED of `names`, then `and N more` for the rest, with where each is named when said. */
function namedOf(names: readonly string[], eachNamedIn?: string): string {
  const more = names.length - REPAIRED_LISTED;
  return `${names.slice(0, REPAIRED_LISTED).join(', ')}${more > 0 ? ` and ${more} more${eachNamedIn !== undefined ? ` (${eachNamedIn})` : ''}` : ''}`;
}

/**
 * The lines naming each repaired object with a note, every one of them: the stop's message names REPAIRED_LISTED per
 * note, and an object named nowhere keeps its hold lost unsaid (review r62I F2). An object alone with its note is one
 * line, `<vault> <key> was repaired before the stop, but <note>`; a note of several is said once, `[i] N objects were
 * repaired before the stop (each on a line of its own below, starting [i]), but for each: <note>`, then a short line
 * per object, `[i] <vault> <key> was repaired before the stop`: a line per object repeating the ~540-character hold
 * note made 5,000 repairs ~3 MB of stderr or function log (review r62O F5). `written, unverified,` for a copy whose
 * read-back stopped the run. `stopped: false` for a run that finished (a JSON-mode scrub's notes on stderr): no "before
 * the stop". The key is shown escaped and cut (shownVaultKey); the objects themselves (--json) keep theirs whole.
 */
export function notedRepairLines(repaired: readonly RepairedObject[], run: { readonly stopped: boolean } = { stopped: true }): string[] {
  const when = run.stopped ? ' before the stop' : '';
  const done = (o: RepairedObject): string => (o.unverified === true ? 'written, unverified,' : 'repaired');
  const byNote = new Map<string, RepairedObject[]>();
  for (const o of repaired) {
    if (o.note === undefined) continue;
    const objects = byNote.get(o.note) ?? [];
    objects.push(o);
    byNote.set(o.note, objects);
  }
  let shared = 0;
  return [...byNote].flatMap(([note, objects]) => {
    const [first] = objects;
    if (first === undefined) return [];
    if (objects.length === 1) return [`${first.vault} ${shownVaultKey(first.key)} was ${done(first)}${when}, but ${note}`];
    const mark = `[${++shared}]`;
    const were = new Set(objects.map(done)).size > 1 ? 'repaired or written, unverified,' : done(first);
    return [
      `${mark} ${objects.length} objects were ${were}${when} (each on a line of its own below, starting ${mark}), but for each: ${note}`,
      ...objects.map((o) => `${mark} ${o.vault} ${shownVaultKey(o.key)} was ${done(o)}${when}`),
    ];
  });
}

/**
 * The error a scrub stopped with, its message ending with repairedBeforeStop when it had repaired anything. The same
 * object, its message extended: its class, name, code and HTTP status are what the scrub state machine's Retry (a
 * TransientError, classifyError) and its failure report read, so a wrapper would turn a throttle into a permanent
 * failure. A thrown non-Error becomes an Error. Never throws: an error whose message cannot be changed (a DOMException's
 * is a getter, a frozen error's read-only) is returned as it is, since a TypeError thrown here would replace a
 * transient stop with a permanent one (review r61T F3); the scheduled scrub's metric still counts the repairs.
 */
export function withRepairsBeforeStop(err: unknown, repaired: readonly RepairedObject[], eachNamedIn?: string): unknown {
  if (repaired.length === 0) return err;
  // isNativeError too: an error of another realm (a DOMException of Node's own, seen from a vm context) is still an error.
  if (!(err instanceof Error) && !types.isNativeError(err)) return new Error(endingWithRepairs(describedValue(err), repaired, eachNamedIn), { cause: err });
  try {
    const message = endingWithRepairs(err.message, repaired, eachNamedIn);
    if (!setMessage(err, message)) defineMessage(err, message);
  } catch {
    // A message getter that throws: the error stays as it was thrown.
  }
  return err;
}

/** Whether a plain assignment took (it throws in strict code for a getter-only or read-only message). */
function setMessage(err: Error, message: string): boolean {
  try {
    err.message = message;
  } catch {
    return false;
  }
  return err.message === message;
}

/** An own `message` over the prototype's getter (a DOMException's); refused on a frozen or non-extensible error. */
function defineMessage(err: Error, message: string): void {
  try {
    Object.defineProperty(err, 'message', { value: message, writable: true, configurable: true, enumerable: false });
  } catch {
    // Refused (a frozen error, a non-configurable own message): left as it was.
  }
}

/** A thrown non-Error as text; one whose conversion throws is named by its type. */
function describedValue(value: unknown): string {
  try {
    return String(value);
  } catch {
    return `a thrown ${typeof value}`;
  }
}

/** `text`, a stop's message, with repairedBeforeStop after it when anything was repaired; as it is otherwise. */
export function endingWithRepairs(text: string, repaired: readonly RepairedObject[], eachNamedIn?: string): string {
  return repaired.length === 0 ? text : `${text}${/[.!?]$/.test(text) ? '' : '.'} ${repairedBeforeStop(repaired, eachNamedIn)}`;
}
