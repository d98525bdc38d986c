/** The process's zone as its configuration names it: TZ, and the IANA name Intl resolved it to (absent for none). */
export type ProcessZone = { readonly tz: string | undefined; readonly resolved: string | undefined };

/** The running process's: in a Lambda TZ is `:UTC`. */
function runningZone(): ProcessZone {
  // Typed a string, but undefined when the zone has no IANA name (TZ=CET-1, a name ICU does not know).
  const resolved: string | undefined = Intl.DateTimeFormat().resolvedOptions().timeZone;
  return { tz: process.env.TZ, resolved: resolved || undefined };
}

/**
 * The name of the zone a text naming none was read in, at an instant the zone's offset was `offsetMinutes` east of UTC
 * (`-new Date(at).getTimezoneOffset()`). The zone as TZ names it when Intl resolves that to the same zone: Intl gives
 * ICU's canonical id, `Asia/Calcutta` for TZ=Asia/Kolkata, a name the operator never set. With no IANA name (TZ=CET-1,
 * an unknown zone read as UTC), the offset, `UTC+01:00`: the note read "read in undefined time" (review r64G F4).
 */
export function processZoneName(offsetMinutes: number, zone: ProcessZone = runningZone()): string {
  const asked = zone.tz?.replace(/^:/, '');
  if (asked !== undefined && zone.resolved !== undefined && resolvedName(asked) === zone.resolved) return asked;
  return zone.resolved ?? offsetName(offsetMinutes);
}

/** The IANA name Intl resolves `name` to; undefined when it takes none (RangeError) or resolves to none. */
function resolvedName(name: string): string | undefined {
  try {
    const resolved: string | undefined = new Intl.DateTimeFormat('en', { timeZone: name }).resolvedOptions().timeZone;
    return resolved || undefined;
  } catch {
    return undefined;
  }
}

/** `UTC+01:00`, `UTC-05:00`, `UTC+05:45`. */
function offsetName(offsetMinutes: number): string {
  const sign = offsetMinutes < 0 ? '-' : '+';
  const minutes = Math.abs(offsetMinutes);
  return `UTC${sign}${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}
