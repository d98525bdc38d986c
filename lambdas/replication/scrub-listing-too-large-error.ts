import { indexMemoryReserve, VaultError } from '../../vault';
import { type VaultSide } from '../runtime/runtime-config';

/**
 * The scrub's listings of the vaults (every key of both, held for the whole run: scrub-listing-memory.ts) would pass what
 * its function's memory holds beside its reads: thrown while listing, before the function runs out of memory. Killed,
 * the Lambda released no lease and left nothing but a runtime exit in the execution, every run, while the vault kept
 * growing (audit aW2); thrown, the execution fails with this message, as any other scrub failure. Not transient: the
 * next run lists the same vault.
 */
export class ScrubListingTooLargeError extends VaultError {
  override name = 'ScrubListingTooLargeError';
  constructor(
    readonly side: VaultSide,
    readonly location: string,
    /** Keys listed when it stopped, both vaults' together. */
    readonly listed: number,
    readonly keyLimit: number,
    readonly memoryMb: number,
    bytesPerKey: number,
    /** The run's target options, with a leading space, which its command line ends with (review r59L F1). */
    commandOptions = '',
  ) {
    super(
      `${location}: the scrub stopped listing the ${side} vault at ${listed.toLocaleString('en-US')} keys (both vaults' listings together), more than the ${keyLimit.toLocaleString('en-US')} ` +
        `a scrub function of ${memoryMb} MB holds beside its reads (about ${bytesPerKey} bytes a key, ${Math.round(indexMemoryReserve(memoryMb * 2 ** 20) / 2 ** 20)} MiB kept for the rest); nothing was read or repaired. ` +
        `Give the scrub function more memory (the environment's "functionMemory": { "scrub-vaults": 4096 }, or LifeboatProtection's functionMemory prop; Lambda allows up to 10,240 MB), ` +
        `scrub from a machine with \`lifeboat scrub${commandOptions}\`, or split the data into more than one environment, each with its own vault (docs/SCALE.md, "The scrub's listings")`,
    );
  }
}
