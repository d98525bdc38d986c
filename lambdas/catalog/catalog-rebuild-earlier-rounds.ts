/**
 * What the earlier rounds of a catalog-rebuild runbook execution created, as a round that fails says it: the failed
 * execution has no output, so its error is the only place the records they created and the legal holds to give back are
 * said (review rL R2, rI F1, rK F1).
 */
export type EarlierRoundsCreated = { created: number; holdWarnings: readonly string[] };

/** "the earlier rounds of this run created N record(s). <each hold warning as a sentence>", to follow a clause. */
export function earlierRoundsSaid(earlier: EarlierRoundsCreated): string {
  return `the earlier rounds of this run created ${earlier.created} record(s).${earlier.holdWarnings.map((w) => ` ${sentence(w)}`).join('')}`;
}

/** A warning as a sentence of its own: some end with a full stop, some do not. */
function sentence(text: string): string {
  const ended = text.endsWith('.') ? text : `${text}.`;
  return ended.charAt(0).toUpperCase() + ended.slice(1);
}
