import { tooLongNotMade } from '../../../../vault/restorer/name-too-long';

/**
 * Review r59J F1: a line said once for a directory whose name was refused as too long shows the directory for display (a
 * name not UTF-8 with replacement characters, one stored escaped as it is on disk); what it excuses is the directory as
 * the manifest spells it: the line's `below`, or for a line of an older restorer without it, the names of the entry it
 * was said for (the first below it) that the displayed directory has.
 */
const escaped = `%lifeboat-escaped-name-${Buffer.alloc(300, 0xe9).toString('base64url')}`;
const shown = `a/${'\ufffd'.repeat(300)}`;
const line = `not restored: the directory ${JSON.stringify(shown)} above it could not be made, the target's file system refusing its name (or path) as too long (ENAMETOOLONG) (and for 4 more entries)`;

it('takes the directory from the line, as the manifest spells it', () => {
  expect(tooLongNotMade({ path: `a/${escaped}/one`, what: line, entries: 5, below: `a/${escaped}` })).toEqual({ below: `a/${escaped}` });
});

it('takes it from the entry the line was said for when an older restorer wrote no directory', () => {
  expect(tooLongNotMade({ path: `a/${escaped}/sub/one`, what: line, entries: 5 })).toEqual({ below: `a/${escaped}` });
});

it('reads no other line, whatever its fields', () => {
  expect(tooLongNotMade({ path: 'a/fifo', what: 'FIFO not recreated', below: 'a' })).toBeUndefined();
  expect(tooLongNotMade({ path: 'a/b', what: "not restored: the target's file system refuses its name as too long (ENAMETOOLONG; …)" })).toEqual({});
});
