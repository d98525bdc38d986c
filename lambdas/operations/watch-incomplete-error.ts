/**
 * The watchdog published what it could measure but not everything: a catalog read failed (throttling past the SDK's
 * retries, a record that does not validate, a grant missing). Thrown after the rest is published, so that one unreadable
 * record does not leave every other alarm without its figure, and the invocation still fails: Lambda retries it, then
 * its record goes to the dead-letter queue and `<prefix>-dead-letters` alarms (an alarm whose gauge went unpublished
 * treats that as its missing-data rule says, which for a state gauge is "not breaching").
 */
export class WatchIncompleteError extends Error {
  override readonly name = 'WatchIncompleteError';
  constructor(readonly failures: readonly { measure: string; error: string }[]) {
    super(
      `The watchdog published its other figures but could not measure ${failures.map((f) => `${f.measure} (${f.error})`).join('; ')}. ` +
        'Fix the cause (the error names the catalog item or the call); its next run, every 5 minutes, measures again (docs/RUNBOOKS.md, "Alarms": dead-letters).',
    );
  }
}
