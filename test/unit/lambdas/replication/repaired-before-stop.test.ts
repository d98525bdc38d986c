import { holdUnreadNote } from '../../../../lambdas/replication/scrub-repairs';
import { notedRepairLines, repairedBeforeStop, repairedObjectOf, withRepairsBeforeStop, type RepairedObject } from '../../../../lambdas/replication/repaired-before-stop';
import { classifyError, TransientError } from '../../../../lambdas/runtime/errors';

/** The scrub's stop after repairs: the same error, its message naming them, whatever kind of error it is. */

const repaired: RepairedObject[] = [{ vault: 'primary', key: 'data/ab12' }];
const sentence = 'Before the stop it repaired 1 object(s) from the other vault, each verified where it landed: primary data/ab12.';

it('extends the message of the error itself: its class and name kept, a throttle still transient', () => {
  const err = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
  expect(withRepairsBeforeStop(err, repaired)).toBe(err);
  expect(err.message).toBe(`Rate exceeded. ${sentence}`);
  expect(classifyError(err)).toBeInstanceOf(TransientError);
});

// Review r61T F3: `err.message = …` threw a TypeError for an error whose message has only a getter (a DOMException, as
// AbortSignal.timeout() aborts with) or is read-only (a frozen error), so a transient stop became a permanent TypeError.
it('a DOMException TimeoutError (AbortSignal.timeout()): its message extended over the getter, the same error', () => {
  const err = new DOMException('The operation was aborted due to timeout', 'TimeoutError');
  expect(withRepairsBeforeStop(err, repaired)).toBe(err);
  expect(err).toMatchObject({ name: 'TimeoutError', message: `The operation was aborted due to timeout. ${sentence}` });
});

it('an error whose message is a getter only, as a DOMException\'s: still the same transient error', () => {
  // Jest's realm has its own Error, so the DOMException above is not one for classifyError here (in Lambda it is).
  const getterOnly = Object.create(Error.prototype, { message: { get: () => 'The operation was aborted due to timeout' } }) as Error;
  const err = Object.assign(Object.setPrototypeOf(new Error(), getterOnly) as Error, { name: 'TimeoutError' });
  expect(() => {
    'use strict';
    err.message = 'x';
  }).toThrow(TypeError);
  const out = withRepairsBeforeStop(err, repaired);
  expect(out).toBe(err);
  expect(err.message).toBe(`The operation was aborted due to timeout. ${sentence}`);
  expect(classifyError(out)).toBeInstanceOf(TransientError);
});

it('a frozen error is returned as it is, not replaced by a TypeError', () => {
  const err = Object.freeze(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
  const out = withRepairsBeforeStop(err, repaired);
  expect(out).toBe(err);
  expect(err.message).toBe('Rate exceeded');
  expect(classifyError(out)).toBeInstanceOf(TransientError);
});

it('an error whose message getter throws is returned as it is', () => {
  const err = new Error('x');
  Object.defineProperty(err, 'message', {
    get: () => {
      throw new Error('no message');
    },
  });
  expect(withRepairsBeforeStop(err, repaired)).toBe(err);
});

it('a thrown non-Error becomes an Error naming the repairs, the value as its cause', () => {
  const out = withRepairsBeforeStop('boom', repaired);
  expect(out).toBeInstanceOf(Error);
  expect(out).toMatchObject({ message: `boom. ${sentence}`, cause: 'boom' });
  const unprintable = Object.create(null) as object;
  expect(withRepairsBeforeStop(unprintable, repaired)).toMatchObject({ message: `a thrown object. ${sentence}`, cause: unprintable });
});

it('nothing repaired: the error as it is', () => {
  const err = new DOMException('aborted', 'AbortError');
  expect(withRepairsBeforeStop(err, [])).toBe(err);
  expect(err.message).toBe('aborted');
});

// Review r62B F1: a repair written unheld (its legal hold could not be read) was named by the stop without its note,
// and the next scrub finds the object healthy: the note was said nowhere.
it('says each repair\'s note with every object it holds for, those beyond the ones named too', () => {
  const note = 'its legal hold could not be read';
  const plain = Array.from({ length: 10 }, (_, i): RepairedObject => ({ vault: 'dr', key: `data/${i}` }));
  const text = repairedBeforeStop([{ vault: 'primary', key: 'data/ab12', note }, ...plain, { vault: 'dr', key: 'snapshots/cd', note }]);
  expect(text).toBe(
    `Before the stop it repaired 12 object(s) from the other vault, each verified where it landed: primary data/ab12, ${plain
      .slice(0, 9)
      .map((o) => `dr ${o.key}`)
      .join(', ')} and 2 more. For primary data/ab12, dr snapshots/cd: ${note}.`,
  );
});

it('a repaired finding\'s reason is its note; one without a reason has none', () => {
  const finding = { vault: 'primary', key: 'data/ab12', problem: 'corrupt', detail: 'x', outcome: 'repaired' } as const;
  expect(repairedObjectOf({ ...finding, reason: 'its legal hold could not be read' })).toEqual({ vault: 'primary', key: 'data/ab12', note: 'its legal hold could not be read' });
  expect(repairedObjectOf(finding)).toEqual({ vault: 'primary', key: 'data/ab12' });
  const err = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
  withRepairsBeforeStop(err, [repairedObjectOf({ ...finding, reason: 'its legal hold could not be read' })]);
  expect(err.message).toBe(`Rate exceeded. ${sentence} For primary data/ab12: its legal hold could not be read.`);
});

// Review r62F F2: a copy written whose verifying read then stopped the run is named apart, not as verified.
it('names a copy whose verifying read stopped the run apart from the verified repairs, with its note', () => {
  const note = 'its legal hold could not be read';
  const finding = { vault: 'dr', key: 'data/cd34', problem: 'corrupt', detail: 'x', outcome: 'unrepaired', goodCopy: true, reason: note } as const;
  expect(repairedObjectOf(finding)).toEqual({ vault: 'dr', key: 'data/cd34', note, unverified: true });
  const unverified = 'wrote 1 object(s) from the other vault\'s verified copy, unverified where they landed (reading them back is what failed): dr data/cd34.';
  expect(repairedBeforeStop([...repaired, repairedObjectOf(finding)])).toBe(`${sentence} It also ${unverified} For dr data/cd34: ${note}.`);
  expect(repairedBeforeStop([repairedObjectOf(finding)])).toBe(`Before the stop it ${unverified} For dr data/cd34: ${note}.`);
});

// Review r62F F3: a note named every object it holds for, so 400 repairs with the hold note made a 34,101-character
// message, past Step Functions' 32,768-character cause: it names the first 10 and how many more, as the sentence does.
it('names the first 10 objects of a note and how many more, so 5,000 repairs with one note fit a cause', () => {
  const note = 'its legal hold could not be read';
  const objects = Array.from({ length: 5000 }, (_, i): RepairedObject => ({ vault: 'primary', key: `data/${i.toString(16).padStart(64, 'a')}`, note }));
  const text = repairedBeforeStop(objects);
  const first = objects
    .slice(0, 10)
    .map((o) => `primary ${o.key}`)
    .join(', ');
  expect(text).toBe(`Before the stop it repaired 5000 object(s) from the other vault, each verified where it landed: ${first} and 4990 more. For ${first} and 4990 more: ${note}.`);
  expect(text.length).toBeLessThan(4000);
});

// Review r62I F2: past the first 10 objects of a note, the rest were named nowhere; the caller now names each where it
// has room (notedRepairLines: stderr, the function's log) and the message says where.
it('says where every object of a note is named past the first 10, and gives each its line', () => {
  const note = 'its legal hold could not be read';
  const objects: RepairedObject[] = Array.from({ length: 43 }, (_, i) => ({ vault: 'primary', key: `data/${i}`, note }));
  const withUnverified: RepairedObject[] = [...objects, { vault: 'dr', key: 'index/x', note, unverified: true }, { vault: 'dr', key: 'data/plain' }];
  expect(repairedBeforeStop(withUnverified, "the function's log names each")).toContain(' and 34 more (the function\'s log names each): its legal hold could not be read.');
  // Review r62O F5: the note once for all 44, then a line per object.
  expect(notedRepairLines(withUnverified)).toEqual([
    `[1] 44 objects were repaired or written, unverified, before the stop (each on a line of its own below, starting [1]), but for each: ${note}`,
    ...objects.map((o) => `[1] primary ${o.key} was repaired before the stop`),
    '[1] dr index/x was written, unverified, before the stop',
  ]);
  // Without a place to name them given, the count alone.
  expect(repairedBeforeStop(objects)).toContain(' and 33 more: its legal hold');
});

// Review r62O F5: each object's line repeated the whole note (~540 characters for the unread hold), so 5,000 repairs
// made ~3 MB of stderr or function log. The note is said once, then a short line per object; the objects (--json's
// `repaired`) keep theirs.
it('says a note of several objects once, then one short line per object', () => {
  const note = holdUnreadNote(' --aws --env prod');
  const objects: RepairedObject[] = ['data/aa', 'data/bb', 'index/cc'].map((key) => ({ vault: 'primary', key, note }));
  const lines = notedRepairLines([...objects, { vault: 'dr', key: 'data/dd', note: 'another note' }, { vault: 'dr', key: 'data/plain' }], { stopped: false });
  expect(lines).toEqual([
    `[1] 3 objects were repaired (each on a line of its own below, starting [1]), but for each: ${note}`,
    '[1] primary data/aa was repaired',
    '[1] primary data/bb was repaired',
    '[1] primary index/cc was repaired',
    'dr data/dd was repaired, but another note',
  ]);
  expect(lines.filter((l) => l.includes(note))).toHaveLength(1);
  expect(objects.map((o) => o.note)).toEqual([note, note, note]);
  // 5,000 objects: the note once, each object's line of 112 characters (a 64-hex pack key), not the note's 600.
  const many = Array.from({ length: 5000 }, (_, i): RepairedObject => ({ vault: 'primary', key: `data/${i.toString(16).padStart(64, 'a')}`, note }));
  const manyLines = notedRepairLines(many);
  expect(manyLines).toHaveLength(5001);
  expect(manyLines.filter((l) => l.includes(note))).toHaveLength(1);
  expect(Math.max(...manyLines.slice(1).map((l) => l.length))).toBeLessThan(120);
});

// A key put in the vault by hand is shown escaped and cut, as a catalog name is: a newline of its own forges no line.
it('shows a note line\'s key escaped and cut', () => {
  const long = `data/${'f'.repeat(300)}`;
  const lines = notedRepairLines([
    { vault: 'primary', key: 'data/x\nClean: every object read verified', note: 'n' },
    { vault: 'primary', key: long, note: 'n' },
  ]);
  expect(lines[1]).toBe('[1] primary data/x\\u000aClean: every object read verified was repaired before the stop');
  expect(lines[2]).toBe(`[1] primary ${long.slice(0, 200)}… (cut from 305 characters) was repaired before the stop`);
});

// Review r63E F5: an object alone with its note is a line of its own, `<vault> <key> was repaired…, but <note>`, and no
// test had one: a mutant printing its key raw (a newline of its own forging a line) passed them all.
it('shows the key of an object alone with its note escaped and cut, on its one line', () => {
  const long = `data/${'f'.repeat(300)}`;
  const lines = notedRepairLines([
    { vault: 'primary', key: 'data/x\nClean: every object read verified\u001b[32m', note: 'its own note' },
    { vault: 'dr', key: long, note: 'another note', unverified: true },
  ]);
  expect(lines).toEqual([
    'primary data/x\\u000aClean: every object read verified\\u001b[32m was repaired before the stop, but its own note',
    `dr ${long.slice(0, 200)}… (cut from 305 characters) was written, unverified, before the stop, but another note`,
  ]);
});

// f63H: the stop's own sentences named each key raw, so a key put in the vault by hand (a newline, ESC) forged a line of
// the stop's message (the CLI's stderr, a Step Functions cause), and a page-long one filled it.
it("names a repaired object's key in the stop's sentences escaped and cut, as its note line does", () => {
  const forged = 'data/x\nClean: every object read verified\u001b[32m';
  const long = `data/${'f'.repeat(300)}`;
  const text = repairedBeforeStop([
    { vault: 'primary', key: forged, note: 'n' },
    { vault: 'dr', key: long, unverified: true },
  ]);
  for (const raw of ['\n', '\u001b']) expect(text).not.toContain(raw);
  const shown = 'primary data/x\\u000aClean: every object read verified\\u001b[32m';
  const cut = `dr ${long.slice(0, 200)}… (cut from 305 characters)`;
  expect(text).toBe(
    `Before the stop it repaired 1 object(s) from the other vault, each verified where it landed: ${shown}. ` +
      `It also wrote 1 object(s) from the other vault's verified copy, unverified where they landed (reading them back is what failed): ${cut}. ` +
      `For ${shown}: n.`,
  );
  expect(text).not.toContain('f'.repeat(201));
});
