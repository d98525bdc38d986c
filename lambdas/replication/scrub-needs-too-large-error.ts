/**
 * The scrub's work-out of which objects a vault lacking some needs (vault-needs-work-out.ts, objectsVaultNeeds) would hold more
 * blobs than its function's memory leaves beside the listings and findings (scrubNeedsBlobLimit): thrown while it loads
 * index objects or marks snapshots, before the function runs out of memory. Unbounded, a vault near the listings' limit
 * was an out-of-memory kill with no record on every run that found an object missing (review rE F1). Caught by the
 * scrub, which counts the lacking objects `notWorkedOut` (as a deadline cut), so a scrub from a machine works them out.
 * Not a VaultError on purpose: the work-out takes a VaultError for an unreadable reference and counts every lacking
 * object needed, which is what this bound exists to avoid guessing.
 */
export class ScrubNeedsTooLargeError extends Error {
  override name = 'ScrubNeedsTooLargeError';
  constructor(
    readonly location: string,
    /** The data/, index/ and manifest/ objects the vault lacks. */
    readonly lacking: number,
    readonly blobLimit: number,
    readonly memoryMb: number,
    /** The run's target options, with a leading space, which its command line ends with (review r59L F1). */
    commandOptions = '',
  ) {
    super(
      `${location}: working out which of the ${lacking.toLocaleString('en-US')} object(s) this vault lacks its snapshots need holds more than ${blobLimit.toLocaleString('en-US')} ` +
        `blobs (index records or referenced blobs), more than a scrub function of ${memoryMb} MB leaves beside its listings; they are not worked out in this run. ` +
        `Scrub from a machine (\`lifeboat scrub --repair${commandOptions}\`, no memory bound) or give the scrub function more memory (docs/SCALE.md, "The scrub's listings")`,
    );
  }
}
