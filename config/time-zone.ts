/** Whether the runtime's Intl knows `zone` as an IANA time zone ("UTC", "Europe/Berlin"). */
export function isKnownTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}
