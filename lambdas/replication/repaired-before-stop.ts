import { type VaultSide } from '../runtime/runtime-config';

/** Repaired objects named in the sentence; the count covers them all. */
const REPAIRED_LISTED = 10;

/** An object a scrub repaired (ScrubVaultsOptions.onRepaired): copied from the other vault and verified where it landed. */
export type RepairedObject = { readonly vault: VaultSide; readonly key: string };

/**
 * What a scrub with repair that stopped (a store error after the retries, a catalog that did not answer) says of the
 * objects it had repaired by then: a stop records nothing and prints no report, so nothing else says that the vaults
 * changed (reviews r60O F5, r61D F3, F4). `Nothing was repaired before the stop.` when none was.
 */
export function repairedBeforeStop(repaired: readonly RepairedObject[]): string {
  if (repaired.length === 0) return 'Nothing was repaired before the stop.';
  const more = repaired.length - REPAIRED_LISTED;
  const named = repaired.slice(0, REPAIRED_LISTED).map((o) => `${o.vault} ${o.key}`);
  return `Before the stop it repaired ${repaired.length} object(s) from the other vault, each verified where it landed: ${named.join(', ')}${more > 0 ? ` and ${more} more` : ''}.`;
}

/**
 * The error a scrub stopped with, its message ending with repairedBeforeStop when it had repaired anything. The same
 * object, its message extended: its class, name, code and HTTP status are what the scrub state machine's Retry (a
 * TransientError, classifyError) and its failure report read, so a wrapper would turn a throttle into a permanent
 * failure. A thrown non-Error becomes an Error.
 */
export function withRepairsBeforeStop(err: unknown, repaired: readonly RepairedObject[]): unknown {
  if (repaired.length === 0) return err;
  if (!(err instanceof Error)) return new Error(endingWithRepairs(String(err), repaired), { cause: err });
  err.message = endingWithRepairs(err.message, repaired);
  return err;
}

/** `text`, a stop's message, with repairedBeforeStop after it when anything was repaired; as it is otherwise. */
export function endingWithRepairs(text: string, repaired: readonly RepairedObject[]): string {
  return repaired.length === 0 ? text : `${text}${/[.!?]$/.test(text) ? '' : '.'} ${repairedBeforeStop(repaired)}`;
}
