import * as path from 'node:path';
import { escapedNameBytes, InvalidEscapedNameError, storedName } from '../../../../vault/manifest/escaped-name';
import { checkEntryPath } from '../../../../vault/archiver/snapshot-writer';
import { resolveInsideTarget, UnsafeEntryPathError } from '../../../../vault/restorer/safe-target-path';

const segment = (bytes: Buffer): string => `%lifeboat-escaped-name-${bytes.toString('base64url')}`;

describe('file names in manifest paths', () => {
  const names = [
    Buffer.from('plain.txt'),
    Buffer.from('ünïcödé 📦'),
    Buffer.from([0x66, 0xff, 0xfe]),
    Buffer.from([0xc3]),
    Buffer.from([0xed, 0xa0, 0x80]), // an encoded surrogate: not valid UTF-8
    Buffer.from('%lifeboat-escaped-name-AAAA'),
    Buffer.from('%lifeboat-escaped-key'),
    Buffer.from('%lifeboat-escaped'),
  ];

  it('stores UTF-8 names as they are, escapes the others and the reserved-looking ones, and maps back to the exact bytes', () => {
    const stored = names.map(storedName);
    expect(stored[0]).toBe('plain.txt');
    expect(stored[1]).toBe('ünïcödé 📦');
    expect(stored[2]).toBe(segment(names[2] as Buffer));
    expect(stored[5]).toBe(segment(names[5] as Buffer));
    expect(stored[7]).toBe('%lifeboat-escaped');
    for (const [i, s] of stored.entries()) {
      expect(() => checkEntryPath(s)).not.toThrow();
      expect(escapedNameBytes(s) ?? Buffer.from(s)).toEqual(names[i]);
    }
    // Injective: no two names share a stored segment.
    expect(new Set(stored).size).toBe(names.length);
  });

  it.each([
    ['..', Buffer.from('..')],
    ['.', Buffer.from('.')],
    ['a slash', Buffer.from('a/b')],
    ['a NUL', Buffer.from([0x61, 0])],
  ])('refuses an escaped segment whose bytes are %s (a hostile manifest), and restores nothing for it', (_name, bytes) => {
    expect(() => escapedNameBytes(segment(bytes))).toThrow(InvalidEscapedNameError);
    expect(() => resolveInsideTarget('/target', `dir/${segment(bytes)}/x`)).toThrow(UnsafeEntryPathError);
  });

  it.each([
    ['a UTF-8 name stored as it is', '%lifeboat-escaped-name-Yg', '"b"'],
    ['a base64url form with stray bits', '%lifeboat-escaped-name-Zv_', '"%lifeboat-escaped-name-Zv8"'],
  ])('refuses an escaped segment that is not the one form of its name: %s (review r58K F3, an alias of another path)', (_what, escaped, stored) => {
    expect(() => escapedNameBytes(escaped)).toThrow(
      `the manifest path segment ${JSON.stringify(escaped)} is not a valid escaped name: Lifeboat stores the name it decodes to as ${stored}; the manifest is damaged or was not written by Lifeboat`,
    );
    expect(() => resolveInsideTarget('/target', `a/${escaped}`)).toThrow(UnsafeEntryPathError);
  });

  it('resolves a path with escaped segments to the exact bytes under the target', () => {
    const bytes = Buffer.from([0x66, 0xff]);
    const resolved = resolveInsideTarget('/target', `d/${segment(bytes)}/f`);
    expect(resolved).toEqual(Buffer.concat([Buffer.from(`${path.resolve('/target')}/d/`), bytes, Buffer.from('/f')]));
    expect(resolveInsideTarget('/target', `d/${segment(Buffer.from('%lifeboat-escaped-x'))}`)).toBe('/target/d/%lifeboat-escaped-x');
  });
});
