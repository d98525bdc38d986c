import { backupFailureNote, FAILURE_NOTE_CHARS } from '../../../cli/backup-failure-note';

/**
 * The `failed:` line under a FAILED row of `lifeboat backups list` (review rM of c0f95ef1): what a person reads of the
 * cause for every shape the catalog keeps — Step Functions' JSON, the Record failure step's shard prefix before it,
 * a cause markFailed cut at 4,000 characters — on one line, cut before it is escaped.
 */
const lambdaCause = (errorMessage: string): string => JSON.stringify({ errorType: 'TransientError', errorMessage, trace: ['TransientError: x', '    at scan (/var/task/index.js:1:2)'] });

it('reads the errorMessage out of a shard\'s cause, keeping which shard it was', () => {
  const cause = `Shard 2, 5 of the batch that failed: ${lambdaCause('table t: throttled\nfor the whole call')}`;
  expect(backupFailureNote({ error: 'TransientError', cause })).toBe('failed: TransientError: Shard 2, 5 of the batch that failed: table t: throttled for the whole call');
});

it('reads the errorMessage out of a cause the catalog cut so that it no longer parses, and out of one cut inside a \\u escape', () => {
  const cut = lambdaCause(`first line\n${'y'.repeat(50)}`).slice(0, 64);
  expect(() => JSON.parse(cut) as unknown).toThrow();
  expect(backupFailureNote({ error: 'E', cause: cut })).toBe('failed: E: first line yyyyyy');
  const inEscape = '{"errorType":"E","errorMessage":"key caf\\u00';
  expect(backupFailureNote({ error: 'E', cause: inEscape })).toBe('failed: E: key caf');
});

it('keeps a cause of another shape as it is, and says so when the record names nothing', () => {
  expect(backupFailureNote({ error: 'States.Timeout', cause: 'The execution timed out' })).toBe('failed: States.Timeout: The execution timed out');
  expect(backupFailureNote({ error: 'E', cause: '{not json' })).toBe('failed: E: {not json');
  expect(backupFailureNote({})).toBe('failed: the record names no error (a run recorded before errors were kept)');
});

it('cuts by code points before escaping: no half escape, no lone surrogate at the cut', () => {
  const before = 'x'.repeat(FAILURE_NOTE_CHARS - 'E: '.length - 1);
  const withEscape = backupFailureNote({ error: 'E', cause: `${before}\x1b[31m and more` });
  expect(withEscape).toBe(`failed: E: ${before}\\x1b… (backups list --json has all of it)`);
  const withEmoji = backupFailureNote({ error: 'E', cause: `${before}😀 and more` });
  expect(withEmoji).toBe(`failed: E: ${before}😀… (backups list --json has all of it)`);
  expect(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(withEmoji)).toBe(false);
});

it("says the list's target options after a cause naming a lifeboat command only when the list has some and the command is shown (review r63J F2)", () => {
  const named = { error: 'CatalogRebuildNeeded', cause: lambdaCause('run `lifeboat catalog rebuild --vault dr --region dr` then retry') };
  expect(backupFailureNote(named, ' --config /srv/lb.json --data-dir /srv/.lifeboat')).toBe(
    "failed: CatalogRebuildNeeded: run `lifeboat catalog rebuild --vault dr --region dr` then retry (add this list's target options to the lifeboat command it names: --config /srv/lb.json --data-dir /srv/.lifeboat)",
  );
  // The defaults: the command as written reaches the list's environment.
  expect(backupFailureNote(named)).toBe('failed: CatalogRebuildNeeded: run `lifeboat catalog rebuild --vault dr --region dr` then retry');
  expect(backupFailureNote({ error: 'E', cause: 'ECONNREFUSED' }, ' --config /srv/lb.json')).toBe('failed: E: ECONNREFUSED');
  // A command past the cut is not on the line: nothing to add options to.
  const late = { error: 'E', cause: `${'x'.repeat(FAILURE_NOTE_CHARS)} run lifeboat catalog rebuild` };
  expect(backupFailureNote(late, ' --config /srv/lb.json')).toBe(`failed: E: ${'x'.repeat(FAILURE_NOTE_CHARS - 3)}… (backups list --json has all of it)`);
});

it("adds to a backquoted lifeboat command only the list's options it lacks, never --stack to the doctor, nothing to a key's words (review r63R F2)", () => {
  const note = (message: string, options: string) => backupFailureNote({ error: 'E', cause: lambdaCause(message) }, options);
  const stack = ' --stack prod-protection --stack-region eu-west-1 --aws';
  // The doctor refuses --stack: pasted with it, the line failed.
  expect(note('the item is from before the vault; `lifeboat doctor` prints the command', stack)).toBe(
    "failed: E: the item is from before the vault; `lifeboat doctor` prints the command (the lifeboat command it names is not for this list's --stack: the doctor does not take --stack)",
  );
  expect(note('run `lifeboat catalog rebuild --vault dr --region dr`', stack)).toBe(
    "failed: E: run `lifeboat catalog rebuild --vault dr --region dr` (add this list's target options to the lifeboat command it names: --stack prod-protection --stack-region eu-west-1 --aws)",
  );
  // Options the command already carries are not said twice; one it carries with another value is named, not appended.
  expect(note('run `lifeboat catalog rebuild --vault dr --region dr --env prod --aws` from a machine', ' --env prod --config /srv/lb.json --aws')).toBe(
    "failed: E: run `lifeboat catalog rebuild --vault dr --region dr --env prod --aws` from a machine (add this list's target options to the lifeboat command it names: --config /srv/lb.json)",
  );
  expect(note('run `lifeboat catalog rebuild --vault dr --region dr --env staging --aws` from a machine', ' --env prod --aws')).toBe(
    "failed: E: run `lifeboat catalog rebuild --vault dr --region dr --env staging --aws` from a machine (its --env differs from this list's (--env prod))",
  );
  expect(note('run `lifeboat catalog rebuild --vault dr --env prod --aws`', ' --env prod --aws')).toBe('failed: E: run `lifeboat catalog rebuild --vault dr --env prod --aws`');
  // Words of a key are no command: nothing added.
  expect(note('could not read s3://b/notes/lifeboat plan.txt: AccessDenied', ' --config /srv/lb.json --aws')).toBe('failed: E: could not read s3://b/notes/lifeboat plan.txt: AccessDenied');
  // Two commands: each told what it needs.
  expect(note('run `lifeboat doctor`, then `lifeboat catalog rebuild --vault dr --env staging`', ' --env prod --aws')).toBe(
    "failed: E: run `lifeboat doctor`, then `lifeboat catalog rebuild --vault dr --env staging` (add this list's target options to `lifeboat doctor`: --env prod --aws; add this list's target options to `lifeboat catalog rebuild`: --aws; `lifeboat catalog rebuild`'s --env differs from this list's (--env prod))",
  );
});

it("tells a command carrying --env to replace it with this list's --stack options, which the CLI refuses beside --env (review r63X F1)", () => {
  const note = (message: string, options: string) => backupFailureNote({ error: 'E', cause: lambdaCause(message) }, options);
  const stack = ' --stack prod-protection --stack-region eu-west-1 --aws';
  expect(note('finish it with `lifeboat catalog rebuild --vault dr --region dr --env prod --aws` first', stack)).toBe(
    "failed: E: finish it with `lifeboat catalog rebuild --vault dr --region dr --env prod --aws` first (replace its --env prod with --stack prod-protection --stack-region eu-west-1)",
  );
  // What it lacks besides is still added; a command without --env is told to add the stack's options.
  expect(note('verify with `lifeboat verify --backup b --env <env>`', stack)).toBe(
    "failed: E: verify with `lifeboat verify --backup b --env <env>` (replace its --env <env> with --stack prod-protection --stack-region eu-west-1; add this list's target options to the lifeboat command it names: --aws)",
  );
  expect(note('run `lifeboat restore --plan p --backup b`', stack)).toBe(
    "failed: E: run `lifeboat restore --plan p --backup b` (add this list's target options to the lifeboat command it names: --stack prod-protection --stack-region eu-west-1 --aws)",
  );
});

// Review r63AB F3: the value of the --env to replace was taken from the cause as written: an ESC or a bidi override in it
// reached the terminal raw (the command beside it escaped), and a value of any length was said whole, past the note's cut.
it("escapes the --env value it tells to replace and cuts a long one, as the line's other record text", () => {
  const stack = ' --stack mystack --stack-region us-east-1';
  const forged = backupFailureNote({ error: 'X', cause: 'refused: run `lifeboat backups forget --env prod\u001b[2J\u202Eevil` to go on' }, stack);
  expect(forged).toBe(
    'failed: X: refused: run `lifeboat backups forget --env prod\\x1b[2J\\u{202e}evil` to go on (replace its --env prod\\x1b[2J\\u{202e}evil with --stack mystack --stack-region us-east-1)',
  );
  expect([...forged].filter((c) => c === '\u001b' || c === '\u202e')).toEqual([]);
  const long = `prod-${'e'.repeat(4000)}`;
  const cut = backupFailureNote({ error: 'X', cause: `run \`lifeboat backups forget --env ${long}\`` }, stack);
  expect(cut).toMatch(/\(replace its --env prod-e{23}…e{12} \(cut from 4005 characters, sha256 [0-9a-f]{8}\) with --stack mystack --stack-region us-east-1\)$/);
  expect(cut.length).toBeLessThan(500);
});

it('advises a command cut inside its backquotes by its options past the cut, and two commands of one name once (review r63X F4)', () => {
  const note = (message: string, options: string) => backupFailureNote({ error: 'E', cause: lambdaCause(message) }, options);
  const long = `${'e'.repeat(270)} run \`lifeboat catalog rebuild --vault dr --region dr --env prod --aws\` now`;
  const cutNote = note(long, ' --env prod --config /x/c.json --aws');
  expect(cutNote).toMatch(/ run `lifeboat catalog rebu… \(backups list --json has all of it\) \(add this list's target options to the lifeboat command it names: --config \/x\/c\.json\)$/);
  // One whose backquote and name are not shown is not on the line.
  const beyond = `${'e'.repeat(FAILURE_NOTE_CHARS - 6)} \`lifeboat catalog rebuild\``;
  expect(note(beyond, ' --config /x/c.json')).toMatch(/… \(backups list --json has all of it\)$/);
  expect(note('run `lifeboat backups forget --lost a` then `lifeboat backups forget --lost b`', ' --env prod --aws')).toBe(
    "failed: E: run `lifeboat backups forget --lost a` then `lifeboat backups forget --lost b` (add this list's target options to `lifeboat backups forget`: --env prod --aws)",
  );
});
