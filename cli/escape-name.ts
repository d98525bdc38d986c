/** The escapes `ls -b` uses for the usual control characters. */
const NAMED: Readonly<Record<string, string>> = { '\\': '\\\\', '\n': '\\n', '\t': '\\t', '\r': '\\r', '\x07': '\\a', '\b': '\\b', '\f': '\\f', '\v': '\\v' };

/**
 * An entry name or path as the CLI prints it: control characters escaped as `ls -b` does (`\n`,
 * `\t`, `\x1b` …, and `\\` for a backslash so the output stays unambiguous), and the Unicode
 * characters that reorder or break lines (bidi overrides, U+2028/9) or are not seen at all (every
 * format character, \p{Cf}: zero-width spaces and joiners, U+FEFF, the soft hyphen, tag characters)
 * as `\u{…}`, one escape per code point. Why: a file name is data chosen by whoever wrote the
 * backed-up files; printed raw, a newline forges a listing line, an escape sequence drives the
 * operator's terminal, and an unseen character makes two names read alike (review r63P F1).
 */
export function escapeName(name: string): string {
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  return name.replace(/[\\\x00-\x1f\x7f-\x9f\u2028\u2029\p{Cf}]/gu, (c) => {
    const named = NAMED[c];
    if (named !== undefined) return named;
    const code = c.codePointAt(0) ?? 0;
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u{${code.toString(16)}}`;
  });
}
