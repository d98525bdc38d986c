/**
 * The instant a record's time text (its `startedAt`: any string, backupRecordSchema) parses to, as ISO in UTC;
 * undefined when it is no time. Prose shows this, never the text: Date.parse skips a "(comment)", so a start of 200
 * characters read as a time and spelled another record's delete beside the real ones (review r63K F2).
 */
export function parsedInstant(text: string): string | undefined {
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : new Date(at).toISOString();
}
