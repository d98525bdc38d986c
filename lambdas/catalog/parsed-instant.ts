import { processZoneName } from './process-zone-name';
import { namesZone } from './time-text-zone';

/**
 * The instant a record's time text (its `startedAt`: any string, backupRecordSchema) parses to, as ISO in UTC;
 * undefined when it is no time. Prose shows this, never the text: Date.parse skips a "(comment)", so a start of 200
 * characters read as a time and spelled another record's delete beside the real ones (review r63K F2). A text naming
 * no zone (`2026-12-07T10:00:00`, hand-written) is read in the process's zone, so the same record showed another
 * instant on each machine as if it were the record's own (review r63U F5): it is said so, with the zone it was read in.
 */
export function parsedInstant(text: string): string | undefined {
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  const instant = new Date(at).toISOString();
  return namesZone(text) ? instant : `${instant} (its text names no zone: read in ${processZoneName(-new Date(at).getTimezoneOffset())} time)`;
}
