import { shellWord } from '../runtime/shell-word';

/**
 * A table restored with `"timeToLive": "off"` whose source expired items by an attribute: what the plan
 * step's notes and the restore's report say, so that whoever is done looking at the restored items can
 * turn TTL on as the source had it. Items whose TTL time has passed are deleted within days once it is on.
 */
export type TimeToLiveLeftOff = { attribute: string; turnOnWith: string };

export function timeToLiveLeftOff(table: string, attribute: string): TimeToLiveLeftOff {
  // JSON, not the CLI's shorthand (Enabled=true,AttributeName=…): the shorthand splits at commas, so an attribute name
  // holding one became a list the CLI refused (review r57Q F2); JSON carries any name as it is.
  const spec = JSON.stringify({ Enabled: true, AttributeName: attribute });
  return { attribute, turnOnWith: `aws dynamodb update-time-to-live --table-name ${shellWord(table)} --time-to-live-specification ${shellWord(spec)}` };
}

/** The note of the plan step's output (targetNotes). */
export function timeToLiveLeftOffNote(table: string, attribute: string): string {
  const off = timeToLiveLeftOff(table, attribute);
  return `TTL left off as asked ("timeToLive": "off"): the source expired items by "${attribute}"; items of the backup past that time stay until TTL is turned on (${off.turnOnWith}), after which DynamoDB deletes them within days`;
}
