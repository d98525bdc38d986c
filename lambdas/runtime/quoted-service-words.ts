/** How much of a service's text a message keeps: enough for a policy's or a KMS key's ARN, not a page pasted into a terminal. */
export const SERVICE_WORDS_LIMIT = 500;

/**
 * What JSON.stringify leaves raw and a terminal still acts on or hides (review r60C F4): DEL and the C1 controls
 * (U+009B is CSI, an ANSI escape in one character), U+2028 and U+2029 (line breaks to some viewers), and the format
 * characters (\p{Cf}: bidi overrides and isolates that show a key reversed, zero-width characters that hide text).
 */
const UNSEEN = /[\u007f-\u009f\u2028\u2029\p{Cf}]/gu;

/**
 * An error a service answered with (S3's `AccessDenied: …`), as a message that goes to a terminal quotes it: its words
 * can hold an object key, so newlines, ANSI escapes and the characters UNSEEN names would forge lines, colour the
 * terminal or hide text (review r59L F3). JSON-quoted, those escaped as \uXXXX too, and cut to SERVICE_WORDS_LIMIT
 * characters on a code point's boundary (`"…"… (cut from N characters)`), so no half of a surrogate pair is left.
 */
export function quotedServiceWords(err: unknown): string {
  const said = !(err instanceof Error) ? String(err) : err.message ? `${err.name}: ${err.message}` : err.name;
  if (said.length <= SERVICE_WORDS_LIMIT) return quoted(said);
  // A cut between the two halves of a surrogate pair would leave one alone: cut before the pair instead.
  const end = isHighSurrogate(said.charCodeAt(SERVICE_WORDS_LIMIT - 1)) ? SERVICE_WORDS_LIMIT - 1 : SERVICE_WORDS_LIMIT;
  return `${quoted(said.slice(0, end))}… (cut from ${said.length} characters)`;
}

function quoted(text: string): string {
  // An astral format character (a tag, U+E0001…) is two UTF-16 units: each is escaped, as JSON escapes a lone one.
  return JSON.stringify(text).replace(UNSEEN, (char) =>
    char
      .split('')
      .map((unit) => `\\u${unit.charCodeAt(0).toString(16).padStart(4, '0')}`)
      .join(''),
  );
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}
