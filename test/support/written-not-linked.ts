import * as fs from 'node:fs/promises';

/**
 * What a restore of a crafted hard link must leave: `restored` a regular file of its own holding `content`, and the
 * file outside the target (`outsideFile`, holding `outsideContent`) untouched and with no second name.
 */
export async function expectWrittenNotLinked(restored: string, content: string, outsideFile: string, outsideContent: string): Promise<void> {
  const [mine, theirs] = await Promise.all([fs.lstat(restored), fs.stat(outsideFile)]);
  expect(mine.isFile()).toBe(true);
  expect(mine.ino).not.toBe(theirs.ino);
  expect(await fs.readFile(restored, 'utf8')).toBe(content);
  expect(theirs.nlink).toBe(1);
  expect(await fs.readFile(outsideFile, 'utf8')).toBe(outsideContent);
}
