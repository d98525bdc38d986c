import { recordInstant } from './record-instant';
import { namesZone } from './time-text-zone';

/**
 * A record's time text as a refusal shows it where a runbook compared it (recordInstant): the instant as ISO in UTC,
 * undefined when it is no time. parsedInstant shows a zoneless text in the process's zone, so a failover in
 * Asia/Kolkata refused a start it had compared as 10:00Z and showed it as 04:30Z (review r64O F2): the refusal said
 * another instant than the one it judged. A zoneless text says it was read as UTC.
 */
export function comparedInstant(text: string): string | undefined {
  const at = recordInstant(text);
  if (Number.isNaN(at)) return undefined;
  const instant = new Date(at).toISOString();
  return namesZone(text) ? instant : `${instant} (its text names no zone: read as UTC)`;
}
