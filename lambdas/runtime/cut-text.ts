/**
 * `text` as `show` writes it, its first `limit` characters (code points, so a surrogate pair is never split) when longer,
 * then `… (cut from N characters)`. The mark is outside what `show` writes, so a quoted form keeps `…` after its quote;
 * one writer, so a name, a quoted name and a JSON value are cut and told alike.
 */
export function cut(text: string, limit: number, show: (kept: string) => string): string {
  const characters = [...text];
  if (characters.length <= limit) return show(text);
  return `${show(characters.slice(0, limit).join(''))}… (cut from ${characters.length} characters)`;
}
