import { WrittenFiles } from '../../../../vault/restorer/written-files';

/**
 * Review r59C F6: the record of the files a restore wrote (what a later hard-link name may be linked to) cost about 117
 * bytes a file on the JavaScript heap, every file kept, so a restore of some 30 million files neared the heap's limit
 * late. It is now 12 bytes a slot of a typed array, at most 23 bytes a file as it grows, and bounded.
 */
const contentOf = (i: number): string[] => [i.toString(16).padStart(64, '0')];
const pathOf = (i: number): string => `home/user/projects/dir${i % 100}/file-${i}.txt`;

it('holds every file it was told of, with its content only, in at most 23 bytes a file', () => {
  const written = new WrittenFiles();
  const n = 100_000;
  for (let i = 0; i < n; i++) written.add(pathOf(i), 1000 + i, contentOf(i));
  expect(written.kept).toBe(n);
  expect(written.full).toBe(false);
  expect(written.bytes).toBeLessThanOrEqual(n * 23);
  for (let i = 0; i < n; i += 7) expect(written.holds(pathOf(i), 1000 + i, contentOf(i))).toBe(true);
  // Another content, size or path at a written name is not held.
  expect(written.holds(pathOf(5), 1005, contentOf(6))).toBe(false);
  expect(written.holds(pathOf(5), 1006, contentOf(5))).toBe(false);
  expect(written.holds('home/user/other', 1005, contentOf(5))).toBe(false);
  // Told twice, a file is kept once.
  written.add(pathOf(3), 1003, contentOf(3));
  expect(written.kept).toBe(n);
});

it('keeps no more than its bound: full, it leaves later files out and says so', () => {
  const written = new WrittenFiles(12 * 100);
  for (let i = 0; i < 200; i++) written.add(pathOf(i), 1000 + i, contentOf(i));
  expect(written.bytes).toBeLessThanOrEqual(12 * 100);
  expect(written.kept).toBe(80);
  expect(written.full).toBe(true);
  expect(written.holds(pathOf(0), 1000, contentOf(0))).toBe(true);
  expect(written.holds(pathOf(199), 1199, contentOf(199))).toBe(false);
});
