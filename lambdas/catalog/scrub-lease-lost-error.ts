/**
 * A scrub no longer held the scrub lease (scrub-lease.ts) when it came to record its run, so it recorded nothing
 * (review rEE F1): another scrub may have taken the lease and read the latest record meanwhile, and of the two records
 * the later-started one would drop the other's damage from `lifeboat status`. What the run found was read and reported
 * (a CLI prints it), but is not in the record; the next scrub reads that slice again only if run for it.
 */
export class ScrubLeaseLostError extends Error {
  override readonly name = 'ScrubLeaseLostError';
  constructor(
    /** taken over: a renewal found another holder; lapsed: its last renewal is older than the lease lasts; released: ended. */
    readonly how: 'taken over' | 'lapsed' | 'released',
    /** When this run's lease ended by its last successful take or renewal. */
    readonly until: string | undefined,
  ) {
    const why =
      how === 'taken over'
        ? `another scrub took over its scrub lease (held until ${until ?? 'unknown'}) before it was recorded`
        : how === 'lapsed'
          ? `its scrub lease lapsed at ${until ?? 'unknown'} before it was recorded (no renewal succeeded for as long as the lease lasts: the process was suspended, or the catalog refused the renewals), so another scrub may have taken it`
          : 'its scrub lease was already released when it came to record';
    super(
      `This scrub is not recorded: ${why}. A record made now could drop the damage of that other scrub from the record \`lifeboat status\` reads, or have its own dropped. ` +
        'What this run found is reported here but not recorded, so `lifeboat status` does not show it: scrub again (with the same --fraction and --vault) once no other scrub is running (docs/RUNBOOKS.md, "Scrub").',
    );
  }
}
