import { type ScrubLeaseItem } from './scrub-lease';

/**
 * Another scrub holds the scrub lease (scrub-lease.ts): this one did not start. Not retried: the other run reads and
 * records its own slice; two at once would lose one run's damage from the record `lifeboat status` reads.
 */
export class ScrubInProgressError extends Error {
  override readonly name = 'ScrubInProgressError';
  constructor(
    /** The lease as read; undefined when it was gone again by the time it was read twice. */
    readonly lease: ScrubLeaseItem | undefined,
    /** When another scrub may take it over: its until and the clocks' margin (SCRUB_LEASE_CLOCK_MARGIN_MS). */
    takeoverAt: string | undefined = lease?.until,
  ) {
    super(
      lease
        ? `Another scrub is running: ${lease.by}, started ${lease.startedAt}; it holds the scrub lease until ${lease.until}. ` +
            'Two scrubs at once would lose one run\'s damage from the record `lifeboat status` reads, so this one did not start: nothing was read or recorded. ' +
            `Wait for it to end and scrub again. If it is known to have died, its lease can be taken over from ${takeoverAt ?? lease.until}; before then, delete the catalog item pk "SCRUB#LEASE", sk "LEASE" (docs/RUNBOOKS.md, "Scrub").`
        : 'Another scrub took and released the scrub lease twice while this one tried to take it: scrubs are being started at once. Scrub again once they have ended (docs/RUNBOOKS.md, "Scrub").',
    );
  }
}
