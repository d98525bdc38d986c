/** A ScheduleExpressionTimezone that is not an IANA time zone this Node knows. */
export class InvalidTimezoneError extends Error {
  override readonly name = 'InvalidTimezoneError';
  constructor(readonly timezone: string) {
    super(`Unknown time zone "${timezone}": ScheduleExpressionTimezone must be an IANA zone such as UTC, Europe/Paris or America/New_York.`);
  }
}
