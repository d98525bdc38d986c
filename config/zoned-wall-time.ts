import { InvalidTimezoneError } from './invalid-timezone-error';
import { type WallTime } from './schedule-expression';

/**
 * Wall-clock times in an IANA time zone and the instants they name, through Intl (the zone data of
 * the Node that runs): no dependency, and the same rules as the zones of the machine's ICU. A wall
 * time may name no instant (skipped by a DST change in spring) or two (repeated in autumn).
 */

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timezone: string): Intl.DateTimeFormat {
  let format = formatters.get(timezone);
  if (!format) {
    try {
      format = new Intl.DateTimeFormat('en-US', {
        timeZone: timezone,
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
      });
    } catch {
      throw new InvalidTimezoneError(timezone);
    }
    formatters.set(timezone, format);
  }
  return format;
}

/** Throws InvalidTimezoneError unless Intl knows the zone. */
export function assertTimezone(timezone: string): void {
  formatter(timezone);
}

/** The wall-clock time in `timezone` at an instant (ms since the epoch), to the second. */
export function wallTimeAt(instantMs: number, timezone: string): WallTime {
  const parts: Record<string, number> = {};
  for (const part of formatter(timezone).formatToParts(new Date(instantMs))) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  return { year: parts.year ?? 0, month: parts.month ?? 0, day: parts.day ?? 0, hour: parts.hour ?? 0, minute: parts.minute ?? 0, second: parts.second ?? 0 };
}

/** A wall time read as if it were UTC: comparable and subtractable, ms. */
export function wallTimeMs(wall: WallTime): number {
  return Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second);
}

/** The zone's offset from UTC at an instant, ms (positive east of Greenwich). */
export function zoneOffsetMs(instantMs: number, timezone: string): number {
  const whole = Math.floor(instantMs / 1000) * 1000;
  return wallTimeMs(wallTimeAt(whole, timezone)) - whole;
}

const DAY_MS = 86_400_000;

/**
 * The instants at which the wall clock of `timezone` shows `wall`, earliest first: none in a
 * spring-forward gap, two in an autumn repeat. Offsets are sampled a day either side, which holds
 * for every zone whose offset changes less often than twice in 48 hours.
 */
export function instantsOfWallTime(wall: WallTime, timezone: string): number[] {
  const target = wallTimeMs(wall);
  const offsets = new Set([zoneOffsetMs(target - DAY_MS, timezone), zoneOffsetMs(target + DAY_MS, timezone)]);
  const instants = [...offsets].map((offset) => target - offset).filter((instant) => wallTimeMs(wallTimeAt(instant, timezone)) === target);
  return [...new Set(instants)].sort((a, b) => a - b);
}
