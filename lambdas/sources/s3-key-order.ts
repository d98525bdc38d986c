/**
 * S3's order of keys: by their UTF-8 bytes, which is code-point order. JavaScript compares UTF-16
 * code units, which differs only between a surrogate (U+D800–U+DFFF, half of a code point above
 * U+FFFF) and a code unit of U+E000–U+FFFF; those two ranges swap places here. No allocation: the
 * local cloud sorts every directory of a listing with it, the backup checks every listed key.
 * Its own module, with no imports, so that the local cloud's process can use it too.
 */
export function compareKeys(a: string, b: string): number {
  if (a === b) return 0;
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 0xd800 && y >= 0xd800) {
      x = x >= 0xe000 ? x - 0x800 : x + 0x2000;
      y = y >= 0xe000 ? y - 0x800 : y + 0x2000;
    }
    return x - y;
  }
  return a.length - b.length;
}
