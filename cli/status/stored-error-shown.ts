/**
 * A workflow's recorded error (`<name>: <message>`, as drill-status.ts keeps a drill's first one) as `lifeboat status`
 * and `lifeboat report` print it. Its message was written by a Lambda, whose command lines (`lifeboat backup --plan P`,
 * `lifeboat catalog rebuild --vault dr --region dr`, `lifeboat drill run --plan P --backup <id>`…) carry at most --env
 * and --aws, never the --config, --data-dir or --vault-key the printing command was run with: pasted from its screen
 * they acted on another target (review r58E F2). A message that names such a command is left out for the error's name;
 * the caller prints its own line to the whole record (`lifeboat drills show <id>` with its options). Any other is shown whole.
 */
export function storedErrorShown(error: string): string {
  const colon = error.indexOf(': ');
  if (colon < 0) return error;
  return namesLifeboatCommand(error.slice(colon + 2)) ? error.slice(0, colon) : error;
}

/** Whether a recorded message names a `lifeboat …` command, which lacks the target options of the command printing it. */
export function namesLifeboatCommand(message: string): boolean {
  return NAMES_A_COMMAND.test(message);
}

/** `lifeboat <command>` anywhere in a message: backquoted or not, the words a reader would paste. */
const NAMES_A_COMMAND = /\blifeboat [a-z]/;
