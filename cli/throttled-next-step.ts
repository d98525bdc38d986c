/**
 * What a command says after a throttle's own words, which leave what to run to the command (vault-request-words.ts):
 * the state the stop left (nothing changed, or what a stopped run left and why running it again is safe), then the next
 * step: run the command again in a minute, and where the command takes a smaller share of work (scrub's --fraction),
 * that too. One wording for prune, scrub, restore, backups forget and the vault opening (f65K: all but prune ended with
 * the service's bare words, and no command said what to run).
 */
export type ThrottledStop = {
  /** What the stop left, said as a sentence's start ("The prune stopped part way: …"); absent: nothing was changed. */
  readonly left?: string;
  /** Why running the command again is safe after a stop part way (said in brackets after it). */
  readonly why?: string;
  /** A smaller share of work to ask of the service when it throttles again (scrub's "a lower --fraction"). */
  readonly lower?: string;
  /** When running the command again is safe, in place of "in a minute" (a scrub whose lease could not be released). */
  readonly again?: string;
};

/** The words after the throttle's message (which ends without a full stop), from its ". " on. */
export function throttledNextStep(stop: ThrottledStop = {}): string {
  const lower = stop.lower === undefined ? '' : `; if it is throttled again, ${stop.lower}`;
  if (stop.left === undefined) return `. Nothing was changed: run the command again in a minute${lower}.`;
  return `. ${stop.left}, and running the command again ${stop.again ?? 'in a minute'} is safe${stop.why === undefined ? '' : ` (${stop.why})`}${lower}.`;
}

/**
 * `said` (a throttle's message, as the command prints it) and then its next step: a message that ends a sentence (the
 * SDK's "Please reduce your request rate.") is not given a second full stop.
 */
export function saidWithNextStep(said: string, stop: ThrottledStop = {}): string {
  const next = throttledNextStep(stop);
  return /[.!?]$/.test(said) ? `${said} ${next.slice(2)}` : `${said}${next}`;
}
