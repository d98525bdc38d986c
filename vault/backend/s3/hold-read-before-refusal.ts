/**
 * The legal hold S3VaultStore.replace read on the damaged copy before its write was refused, kept with the error it
 * threw: the scrub's advice for a refused overwrite of a DR copy says whether a delete loses a hold, and asked the hold
 * again, so a throttled second ask put a false "could not be read" note beside an answer replace already had (review
 * r63S F3). Kept beside the error rather than on it: S3's error is thrown as S3 gave it, its words the advice's cause.
 */
const holds = new WeakMap<object, boolean>();

/** Notes that the refused write `err` was made over a copy whose hold read `held`; a hold that could not be read is not noted. */
export function noteHoldReadBeforeRefusal(err: unknown, held: boolean | undefined): void {
  if (held !== undefined && typeof err === 'object' && err !== null) holds.set(err, held);
}

/** The hold read before the refused write `err`: undefined when it was not read, could not be, or the store does not say. */
export function holdReadBeforeRefusal(err: unknown): boolean | undefined {
  return typeof err === 'object' && err !== null ? holds.get(err) : undefined;
}
