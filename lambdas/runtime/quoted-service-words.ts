/** How much of a service's text a message keeps: enough for a policy's or a KMS key's ARN, not a page pasted into a terminal. */
export const SERVICE_WORDS_LIMIT = 500;

/**
 * What JSON.stringify leaves raw and a terminal still acts on or hides (review r60C F4): DEL and the C1 controls
 * (U+009B is CSI, an ANSI escape in one character), U+2028 and U+2029 (line breaks to some viewers), and the format
 * characters (\p{Cf}: bidi overrides and isolates that show a key reversed, zero-width characters that hide text).
 */
const UNSEEN_CLASS = '\\u007f-\\u009f\\u2028\\u2029\\p{Cf}';
const UNSEEN = new RegExp(`[${UNSEEN_CLASS}]`, 'gu');
/**
 * UNSEEN and the C0 controls (newline, ESC), which a text shown bare, not JSON-quoted, would pass raw as well; and the
 * backslash, which begins every escape.
 */
const UNSEEN_OR_CONTROL_OR_BACKSLASH = new RegExp(`[\\\\\\u0000-\\u001f${UNSEEN_CLASS}]`, 'gu');
/** UNSEEN and the C0 controls, without the backslash: for a text whose own backslashes are read as written. */
const UNSEEN_OR_CONTROL = new RegExp(`[\\u0000-\\u001f${UNSEEN_CLASS}]`, 'gu');

/**
 * An error a service answered with (S3's `AccessDenied: …`), as a message that goes to a terminal quotes it: its words
 * can hold an object key, so newlines, ANSI escapes and the characters UNSEEN names would forge lines, colour the
 * terminal or hide text (review r59L F3). JSON-quoted, those escaped as \uXXXX too, and cut to SERVICE_WORDS_LIMIT
 * characters (`"…"… (cut from N characters)`). Characters are code points, as a reader counts them: the cut never leaves
 * half of a surrogate pair, and N is not doubled by emoji or other astral characters (review r60G F7).
 */
export function quotedServiceWords(err: unknown): string {
  const said = !(err instanceof Error) ? String(err) : err.message ? `${err.name}: ${err.message}` : err.name;
  // No more code points than UTF-16 units: within the limit in units, it is within it in characters.
  if (said.length <= SERVICE_WORDS_LIMIT) return quoted(said);
  let characters = 0;
  let end = said.length;
  let units = 0;
  for (const char of said) {
    // `end`: the UTF-16 units of the first SERVICE_WORDS_LIMIT code points.
    if (characters === SERVICE_WORDS_LIMIT) end = units;
    characters++;
    units += char.length;
  }
  return characters <= SERVICE_WORDS_LIMIT ? quoted(said) : `${quoted(said.slice(0, end))}… (cut from ${characters} characters)`;
}

/**
 * A name of the backup's data a message shows bare, within its own words (a restored directory's path): the C0
 * controls and the characters UNSEEN names as \uXXXX, a backslash as \\, the rest as it reads. Not quoted, as
 * quotedServiceWords quotes a service's whole answer: the path stays one a reader finds on the file system (review
 * r61G F3), read as a JSON string's text. The backslash is escaped so that an escape is never the name's own text: a
 * directory named `photos\u000aX` reads `photos\\u000aX`, one named `photos` newline `X` reads `photos\u000aX` (review r61M F3).
 */
export function unseenEscaped(text: string): string {
  return text.replace(UNSEEN_OR_CONTROL_OR_BACKSLASH, (char) => (char === '\\' ? '\\\\' : escapedUnits(char)));
}

/**
 * A recorded message (a workflow's error) as a line shows it whole: the C0 controls and the characters UNSEEN names as
 * \uXXXX, so it forges no line and drives no terminal, and its backslashes as written. unseenEscaped doubles them, which
 * changed an ordinary error quoting a key JSON's way (`"reports/\"q3\".csv"` read `"reports/\\\"q3\\\".csv"`: review r62M
 * F4). A message is read, not looked up by its text, so a `\u001b` written in it and an escaped ESC reading alike costs nothing.
 */
export function unseenOnlyEscaped(text: string): string {
  return text.replace(UNSEEN_OR_CONTROL, escapedUnits);
}

function quoted(text: string): string {
  return unseenJsonEscaped(JSON.stringify(text));
}

/**
 * A JSON text (JSON.stringify's) with the characters UNSEEN names as \uXXXX too: the C0 controls and the backslash
 * JSON escaped already, and a JSON reader (the AWS CLI's `--key`) reads the escapes back as the same characters, so a
 * pasted command line names the same item without a CSI or a bidi override acting in the terminal (review r61AE F4).
 */
export function unseenJsonEscaped(json: string): string {
  return json.replace(UNSEEN, escapedUnits);
}

/** An astral format character (a tag, U+E0001…) is two UTF-16 units: each is escaped, as JSON escapes a lone one. */
function escapedUnits(char: string): string {
  return char
    .split('')
    .map((unit) => `\\u${unit.charCodeAt(0).toString(16).padStart(4, '0')}`)
    .join('');
}
