import { CatalogItemInvalidError } from '../../../../lambdas/catalog/catalog-errors';
import { shownItemKeyPart } from '../../../../lambdas/catalog/shown-item-key';
import { type ItemProblem } from '../../../../lambdas/catalog/shown-item-problem';
import { type MissingRecordedSnapshot, RecordedSnapshotMissingError } from '../../../../lambdas/retention/recorded-snapshot-missing-error';

/**
 * Review r61U: the prune's stop printed a damaged record's backupId and key raw (a newline and ESC forged a
 * `Clean: …` line, F1), and for a record that does not validate it named neither the bad field nor its fix (F3).
 */

const FORGED = 'files-1\n\u001b[32mClean: fake\u001b[0m';
const ESCAPED = 'files-1\\u000a\\u001b[32mClean: fake\\u001b[0m';

const missing = (over: Partial<MissingRecordedSnapshot>): MissingRecordedSnapshot => ({
  backupId: 'files-1',
  plan: 'files',
  snapshotId: 'snap-a',
  key: { pk: 'BACKUP#files-1', sk: 'BACKUP' },
  ...over,
});
/** The catalog's refusal of files-1's record, with these problems. */
const refused = (problems: readonly ItemProblem[]): CatalogItemInvalidError => new CatalogItemInvalidError('lifeboat-dev-catalog', 'BACKUP#files-1 / BACKUP', problems);

it('shows a damaged backupId, plan and key escaped, and gives no command line with them raw', () => {
  const own = new RecordedSnapshotMissingError('primary', [missing({ backupId: FORGED, key: { pk: `BACKUP#${FORGED}`, sk: 'BACKUP' }, recordInvalid: true })]).message;
  expect(own).not.toContain('\n');
  expect(own).not.toContain('\u001b');
  expect(own).toContain(`backup ${ESCAPED} (plan files, its record does not validate): snapshots/snap-a`);
  expect(own).toContain(`(${ESCAPED}'s)`);
  expect(own).toContain("`lifeboat backups forget --lost '<backup id>'` (for '<backup id>' put the backup id: the `backupId` of the first backup named, read whole from its catalog item; it is not printed as a word to paste) forgets");

  const other = new RecordedSnapshotMissingError('dr', [missing({ plan: `files\n\u001b[2J`, key: { pk: `BACKUP#${FORGED}`, sk: 'BACKUP\nx' }, recordInvalid: true })], undefined, ['photos']).message;
  expect(other).not.toContain('\n');
  expect(other).not.toContain('\u001b');
  expect(other).toContain(`(plan files\\u000a\\u001b[2J, catalog item BACKUP#${ESCAPED} / BACKUP\\u000ax, its record does not validate)`);
  expect(other).toContain(`fix the \`backupId\` of catalog item BACKUP#${ESCAPED} first (it names files-1); then \`lifeboat backups forget --lost '<backup id>' --vault dr\` (for '<backup id>' put the backup id: the part after BACKUP# of catalog item BACKUP#${ESCAPED}'s key; it is not printed as a word to paste)`);
  expect(other).toContain('`lifeboat backups forget --plan <plan> --vault dr --keep-last 1 --dry-run`');
});

it('cuts a backup id over 40 characters', () => {
  const message = new RecordedSnapshotMissingError('primary', [missing({ backupId: 'x'.repeat(250), key: { pk: `BACKUP#${'x'.repeat(250)}`, sk: 'BACKUP' } })]).message;
  expect(message).toContain(`backup ${'x'.repeat(28)}…${'x'.repeat(12)} (cut from 250 characters, sha256 086d4a1c) (plan files)`);
});

// Review r63U F4: cut at their first 40 characters, two hand-written ids differing at their end read alike in the stop,
// the whole ids in --json only; the cut keeps their last characters and a digest of each.
it('tells apart two backup ids over 40 characters that differ only at their end', () => {
  const ids = ['restored-by-hand-2026-12-01-from-tape-archive-A', 'restored-by-hand-2026-12-01-from-tape-archive-B'];
  const stop = new RecordedSnapshotMissingError('primary', ids.map((backupId, i) => missing({ backupId, snapshotId: `s${i}`, key: { pk: `BACKUP#${backupId}`, sk: 'BACKUP' } })), { scrub: '', forget: '' }, ['files']);
  expect(stop.message).toContain('backup restored-by-hand-2026-12-01-…pe-archive-A (cut from 47 characters, sha256 ');
  expect(stop.message).toContain('backup restored-by-hand-2026-12-01-…pe-archive-B (cut from 47 characters, sha256 ');
});

// Review r63K F3: the stop showed a damaged item's pk (and its backup id) to 200 characters beside the printed
// `backups forget`, so a forged pk spelled another record's delete; each is now cut at 40, as the catalog's refusal
// shows them. Only the forget holds the id whole, as one quoted word of its own command.
it("spells no delete of another record that a damaged item's pk, sk or backup id holds, outside its own forget", () => {
  const victim = `aws dynamodb delete-item --table-name lifeboat-dev-catalog --key pk={S=BACKUP#20261208T060000Z-0000000a},sk={S=BACKUP}`;
  const spelled = /delete-item(?: --[a-z-]+ [^\s']+)* --key (?:'(\{[^']*\})'|pk=\{S=([^}]*)\},sk=\{S=[^}]*\})/;
  const invalid = refused(['shardCount: Required']);
  const cases = [
    missing({ key: { pk: `BACKUP#x ${victim}`, sk: 'BACKUP' }, recordInvalid: true, invalid }),
    missing({ key: { pk: 'BACKUP#files-1', sk: `BACKUP ${victim}` }, recordInvalid: true, invalid }),
    missing({ backupId: `x ${victim}`, key: { pk: `BACKUP#x ${victim}`, sk: 'BACKUP' }, recordInvalid: true, invalid }),
  ];
  for (const m of cases) {
    const message = new RecordedSnapshotMissingError('primary', [m], { scrub: ' --env dev --aws', forget: ' --env dev --aws' }).message;
    expect(message.replace(/`lifeboat backups forget [^`]*`/g, '<forget>')).not.toMatch(spelled);
    expect(message).toContain('`lifeboat backups forget --lost ');
  }
});

it("names what of a record does not validate, and for a forgottenAt that is no ISO time says what to set", () => {
  const forgottenAt = new RecordedSnapshotMissingError('primary', [missing({ recordInvalid: true, invalid: refused(['forgottenAt: Expected string, received number']) })]).message;
  expect(forgottenAt).toContain(
    "A record that does not validate (files-1's: forgottenAt: Expected string, received number) was read for its snapshot ids alone, and neither forget reads it: " +
      'set its `forgottenAt` to the ISO time retention forgot it if its backup is gone, else remove the attribute, first. ',
  );
  const other = new RecordedSnapshotMissingError('primary', [missing({ recordInvalid: true, invalid: refused(['shardCount: Expected number, received string', 'totals.bytes: Required']) })]).message;
  expect(other).toContain("(files-1's: shardCount: Expected number, received string; totals.bytes: Required) was read for its snapshot ids alone, and neither forget reads it: upgrade Lifeboat if a newer version wrote it, or fix the item, first.");
});

// Review r63I F4: the stop lists the first 10 problems, then "and N more", but chose the `forgottenAt` fix from all:
// with 12 bad pins first, it said to set `forgottenAt` while the list never named it. The fix now names it.
it('names `forgottenAt` in its fix when that problem is past the 10 listed', () => {
  const pins = Array.from({ length: 12 }, (_, i) => `pins.pin${i}: Invalid input: expected object, received string`);
  const message = new RecordedSnapshotMissingError('primary', [missing({ recordInvalid: true, invalid: refused([...pins, 'forgottenAt: Expected string, received number']) })]).message;
  expect(message).toContain("(files-1's: pins.pin0: Invalid input: expected object, received string; ");
  expect(message).toContain('pins.pin9: Invalid input: expected object, received string; and 3 more) was read for its snapshot ids alone');
  expect(message).toContain(
    'neither forget reads it: set its `forgottenAt` (it does not validate either, among the problems not listed) to the ISO time retention forgot it if its backup is gone, else remove the attribute, first. ',
  );
  // Listed, it is not named twice.
  const listed = new RecordedSnapshotMissingError('primary', [missing({ recordInvalid: true, invalid: refused(['forgottenAt: Expected string, received number', ...pins]) })]).message;
  expect(listed).toContain('neither forget reads it: set its `forgottenAt` to the ISO time retention forgot it');
});

// f63H: each problem was shown cut at 200 only, so a long pins key or a value zod quotes filled the stop with the item's text.
it("shows a record's problems as the catalog's refusal does: an item's own key cut at 40 characters, a message at 78, escaped", () => {
  const problems = [{ path: ['pins', 'r'.repeat(300), 'until'], message: 'Invalid input: expected string, received number' }, `sourceNames: ${'s'.repeat(500)}`, 'totals: Required\n\u001b[32mClean: fake'];
  const invalid = refused(problems);
  const message = new RecordedSnapshotMissingError('primary', [missing({ recordInvalid: true, invalid })]).message;
  const shown = `pins.${shownItemKeyPart('r'.repeat(300))}.until: Invalid input: expected string, received number; sourceNames: ${'s'.repeat(65)}… (cut from 513 characters); totals: Required\\u000a\\u001b[32mClean: fake`;
  expect(message).toContain(`A record that does not validate (files-1's: ${shown}) was read for its snapshot ids alone`);
  expect(invalid.message).toContain(shown);
  expect(message).not.toContain('r'.repeat(41));
  expect(message).not.toContain('\n');
  expect(message).not.toContain('\u001b');
});

// Review r63U F1: a record's plan and snapshot id (any strings, a valid record's too) were shown to 200 characters
// beside the printed `backups forget`, so a forged one spelled another record's delete; each is now cut at 40 in
// prose, and only the printed commands hold them whole, each as one quoted word.
it("spells no delete of another record that a record's plan or snapshot id holds, outside its own commands", () => {
  const victim = `aws dynamodb delete-item --table-name lifeboat-dev-catalog --key pk={S=BACKUP#20261208T060000Z-0000000a},sk={S=BACKUP}`;
  const spelled = /delete-item(?: --[a-z-]+ [^\s']+)* --key (?:'(\{[^']*\})'|pk=\{S=([^}]*)\},sk=\{S=[^}]*\})/;
  const own = { backupId: '20261209T060000Z-0000000b', key: { pk: 'BACKUP#20261209T060000Z-0000000b', sk: 'BACKUP' } };
  const cases = [
    missing({ ...own, snapshotId: `x ${victim}` }),
    missing({ ...own, snapshotId: `x ${victim}`, recordInvalid: true, invalid: refused(['startedAt: Required']) }),
    missing({ ...own, plan: `p ${victim}` }),
  ];
  for (const m of cases) {
    const message = new RecordedSnapshotMissingError('primary', [m], { scrub: ' --env dev --aws', forget: ' --env dev --aws' }, ['files']).message;
    expect(message.replace(/`lifeboat backups forget [^`]*`/g, '<forget>')).not.toMatch(spelled);
    expect(message).toContain(`backup 20261209T060000Z-0000000b (plan ${m.plan.slice(0, 28)}`);
    expect(message).toContain(`snapshots/${m.snapshotId.slice(0, 28)}`);
  }
  const plan = new RecordedSnapshotMissingError('primary', [cases[2] as MissingRecordedSnapshot], { scrub: '', forget: '' }, ['files']).message;
  expect(plan).toContain(`its plan ${shownItemKeyPart(`p ${victim}`)} is not in the config`);
  expect(plan).toContain('`lifeboat backups forget --plan <plan> --keep-last 1 --dry-run`');
  // An ordinary plan and snapshot id print whole.
  expect(new RecordedSnapshotMissingError('primary', [missing({})]).message).toContain('backup files-1 (plan files): snapshots/snap-a');
});

// Review r64Q F4: the plan (and backup id) of a record, any strings, were printed whole as one quoted word in the
// command's code span: a backtick in the plan ended the span and spelled a separate, real-looking forget of plan prod.
it('prints a plan the config could not name, or an id a shell would not read bare, as a placeholder in its command', () => {
  const plan = 'old` gives that plan one on the command line; for plan prod too: `lifeboat backups forget --plan prod --keep-last 1 --env prod --aws';
  const id = "x`lifeboat backups forget --plan prod --keep-last 1`'";
  const stop = new RecordedSnapshotMissingError('primary', [missing({ plan, backupId: id, key: { pk: `BACKUP#${id}`, sk: 'BACKUP' } })], { scrub: ' --env prod --aws', forget: ' --env prod --aws' }, ['prod']).message;
  expect(stop).toContain("`lifeboat backups forget --lost '<backup id>' --env prod --aws` (for '<backup id>' put");
  expect(stop).toContain('`lifeboat backups forget --plan <plan> --keep-last 1 --dry-run --env prod --aws`');
  const commands = [...stop.matchAll(/`(lifeboat [^`]*)`/g)].map((m) => m[1]);
  expect(commands.filter((c) => c?.startsWith('lifeboat backups forget --plan prod'))).toEqual([]);
  // A plan the config could name and an id Lifeboat writes print whole.
  const ordinary = new RecordedSnapshotMissingError('primary', [missing({ plan: 'old-files', backupId: '20261130T000000Z-1a2b3c4d', key: { pk: 'BACKUP#20261130T000000Z-1a2b3c4d', sk: 'BACKUP' } })], { scrub: '', forget: '' }, ['prod']).message;
  expect(ordinary).toContain('`lifeboat backups forget --lost 20261130T000000Z-1a2b3c4d`');
  expect(ordinary).toContain('`lifeboat backups forget --plan old-files --keep-last 1 --dry-run`');
});
