/**
 * The smallest share of the vaults' objects a scrub run may read. A run reads ⌈fraction × objects⌉
 * of them (at least one), so a cycle, every object read once, takes up to ⌈1/fraction⌉ runs: a
 * million at this share, years of runs even on an hourly schedule; a smaller share is no scrub
 * anyone waits for. Far smaller ones failed after the run: 1e-300 is no number DynamoDB can store
 * (its smallest is 1e-130), so the scrub read its slice and then could not record it.
 * The scrub runbook's input, the config's `scrub.fraction` and `lifeboat scrub --fraction` share it.
 */
export const MIN_SCRUB_FRACTION = 1e-6;

/** The message for a fraction above 0 but below MIN_SCRUB_FRACTION (0 and less have their own: "must be above 0"). */
export const MIN_SCRUB_FRACTION_MESSAGE =
  'must be at least 0.000001 (1e-6): a cycle, every object read once, takes up to 1/fraction runs, a million at that share';

/** Whether `fraction` is above 0 yet below the smallest share (the rule MIN_SCRUB_FRACTION_MESSAGE states). */
export function isBelowMinScrubFraction(fraction: number): boolean {
  return fraction > 0 && fraction < MIN_SCRUB_FRACTION;
}
