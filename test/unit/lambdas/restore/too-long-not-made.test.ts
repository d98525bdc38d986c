import { TooLongNotMade } from '../../../../lambdas/restore/too-long-not-made';

/**
 * Review r59J F3, F4: the lines that say an entry was not made for a name too long are looked up by the entry's path and
 * each directory above it (built once for the verify step's walk), and a cut list excuses only its own shard's range.
 */
const above = (dir: string): { path: string; what: string; entries: number; below: string } => ({
  path: `${dir}/first`,
  what: `not restored: the directory ${JSON.stringify(dir)} above it could not be made, the target's file system refusing its name (or path) as too long (ENAMETOOLONG) (and for 1 more entries)`,
  entries: 2,
  below: dir,
});
const own = (path: string): { path: string; what: string } => ({ path, what: "not restored: the target's file system refuses its name as too long (ENAMETOOLONG; …)" });

it('says an entry not made at or below a directory line, or by its own line, and nothing else', () => {
  const notMade = new TooLongNotMade([above('a/b'), own('x/y'), { path: 'f', what: 'FIFO not recreated' }]);
  expect(['a/b', 'a/b/c', 'a/b/c/d', 'x/y'].filter((p) => notMade.says(p))).toEqual(['a/b', 'a/b/c', 'a/b/c/d', 'x/y']);
  expect(['a', 'a/bc', 'a/bc/d', 'x', 'x/y/z', 'f', 'b'].filter((p) => notMade.says(p))).toEqual([]);
});

it('takes a line left out only in the range of a shard whose list was cut', () => {
  const notMade = new TooLongNotMade([], [{ first: 'm', last: 'p/q' }]);
  expect(['m', 'n/long', 'p/q'].map((p) => notMade.mayBeLeftOut(p))).toEqual([true, true, true]);
  // 'p/q/r' sorts after 'p/q' ('/' before every other character): past the range.
  expect(['a', 'l/z', 'p/q/r', 'z'].map((p) => notMade.mayBeLeftOut(p))).toEqual([false, false, false, false]);
});

it('looks up many directory lines without comparing each entry with each', () => {
  const notMade = new TooLongNotMade(Array.from({ length: 10_000 }, (_, i) => above(`d${i}/${'x'.repeat(250)}`)));
  let said = 0;
  for (let i = 0; i < 100_000; i++) if (notMade.says(`d${i % 20_000}/${'x'.repeat(250)}/e${i}`)) said++;
  expect(said).toBe(50_000);
});
