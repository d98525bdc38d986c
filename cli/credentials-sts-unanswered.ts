import { isUnanswered } from './unanswered-endpoint';

/**
 * The errors of a role's STS that did not answer while a client's credentials were asked for (run-credentials.ts), by
 * the region of the STS asked. They stay STS's own TimeoutError or network code (review r62Q F1: the commands read
 * them as the region's silence and fall back to the DR region), so what a message names as not answering is told
 * here: verify said `DynamoDB in <region> did not answer` when only STS had been asked (review r62T F3). Weak: a
 * mark lives as long as its error, and a remembered silence (unanswered-credentials-memory.ts) keeps its mark.
 */
const stsRegionOf = new WeakMap<Error, string>();

/** Marks `err`, if STS did not answer (isUnanswered), as the silence of STS in `region`, asked for the credentials. */
export function markIfStsUnanswered(err: unknown, region: string): void {
  if (isUnanswered(err) && !stsRegionOf.has(err)) stsRegionOf.set(err, region);
}

/** The region of the STS whose silence `err` is, asked for the credentials (markIfStsUnanswered); else undefined. */
export function credentialsStsRegion(err: Error): string | undefined {
  return stsRegionOf.get(err);
}
