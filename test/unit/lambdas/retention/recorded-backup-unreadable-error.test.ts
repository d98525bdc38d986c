import { type InvalidLiveBackupItem } from '../../../../lambdas/catalog/backup-catalog';
import { CatalogItemInvalidError } from '../../../../lambdas/catalog/catalog-errors';
import { shownItemKeyPart } from '../../../../lambdas/catalog/shown-item-key';
import { RecordedBackupUnreadableError } from '../../../../lambdas/retention/recorded-backup-unreadable-error';

// Review r61AE F2: the prune's stop printed a damaged item's key, plan, source names and problems raw: a newline and ESC
// forged the operator's lines, a CSI (U+009B) drove the terminal and a bidi override (U+202E) showed the name reversed.
const FORGED = '1\n\u001b[32mClean: fake\u009b2J\u202Egpj.exe';
/** The forging characters a text holds raw. */
const raw = (text: string): string[] => ['\n', '\u001b', '\u009b', '\u202e'].filter((c) => text.includes(c));

const damaged = (live: Partial<InvalidLiveBackupItem>): InvalidLiveBackupItem =>
  ({
    key: { pk: `BACKUP#${FORGED}`, sk: `BACKUP${FORGED}` },
    snapshotIds: [],
    error: new CatalogItemInvalidError('lifeboat-dev-catalog', `BACKUP#${FORGED} / BACKUP`, [`sources.0.snapshotId: Required ${FORGED}`]),
    ...live,
  }) as InvalidLiveBackupItem;

it('shows a committed record\'s key, plan, source names and problems with their unseen characters escaped', () => {
  const message = new RecordedBackupUnreadableError('primary', `files${FORGED}`, damaged({ committed: true, sourcesWithoutSnapshotId: [`photos${FORGED}`] })).message;
  expect(raw(message)).toEqual([]);
  const shown = '1\\u000a\\u001b[32mClean: fake\\u009b2J\\u202egpj.exe';
  expect(message).toContain(`catalog item BACKUP#${shown} / BACKUP${shown} in table lifeboat-dev-catalog (plan files${shown}) records a committed backup`);
  // A source name JSON-quoted, as the status is (review r62C F5).
  expect(message).toContain(`does not validate (sources.0.snapshotId: Required ${shown}) and names no snapshot this version can read for source "photos1\\n\\u001b[32mClean: fake\\u009b2J\\u202egpj.exe" of the 1`);
});

// f63D: the problems were joined whole, so a long pins key or a value zod quotes filled the stop with the item's text.
it("cuts the record's problems as the catalog's refusal does: an item's own key at 40 characters, a message at 78", () => {
  const restoreId = 'r'.repeat(300);
  const problems = [{ path: ['pins', restoreId, 'until'], message: 'Invalid input: expected string, received number' }, `sourceNames: ${'s'.repeat(500)}`];
  const error = new CatalogItemInvalidError('lifeboat-dev-catalog', 'BACKUP#files / BACKUP', problems);
  const message = new RecordedBackupUnreadableError('primary', 'files', damaged({ committed: true, error, snapshotIds: ['s1'] })).message;
  const shown = `pins.${shownItemKeyPart('r'.repeat(300))}.until: Invalid input: expected string, received number; sourceNames: ${'s'.repeat(65)}… (cut from 513 characters)`;
  expect(message).toContain(`does not validate (${shown}) and names no snapshot`);
  expect(error.message).toContain(shown);
  expect(message).not.toContain('r'.repeat(41));
});

// Review r63K F3: the stop showed the damaged item's pk and sk to 200 characters each, so a forged pk spelled another
// record's delete; each is now cut at 40, as the catalog's refusal and the doctor show them.
it("spells no delete of another record that the damaged item's pk or sk holds", () => {
  const victim = `aws dynamodb delete-item --table-name lifeboat-dev-catalog --key pk={S=BACKUP#20261208T060000Z-0000000a},sk={S=BACKUP}`;
  const spelled = /delete-item(?: --[a-z-]+ [^\s']+)* --key (?:'(\{[^']*\})'|pk=\{S=([^}]*)\},sk=\{S=[^}]*\})/;
  for (const key of [{ pk: `BACKUP#x ${victim}`, sk: 'BACKUP' }, { pk: 'BACKUP#x', sk: `BACKUP ${victim}` }]) {
    const error = new CatalogItemInvalidError('lifeboat-dev-catalog', `${key.pk} / ${key.sk}`, ['status: Required']);
    for (const committed of [true, undefined]) {
      const message = new RecordedBackupUnreadableError('primary', 'files', damaged({ key, committed, error, snapshotIds: ['s1'] })).message;
      expect(message).not.toMatch(spelled);
      expect(message).toContain(`catalog item ${key.pk.slice(0, 28)}`);
    }
  }
});

it('shows a record of a status this version does not know with the status JSON-quoted and its unseen characters escaped', () => {
  const message = new RecordedBackupUnreadableError('dr', `files${FORGED}`, damaged({ committed: undefined, status: `DONE${FORGED}` })).message;
  expect(raw(message)).toEqual([]);
  expect(message).toContain('with `status` "DONE1\\n\\u001b[32mClean: fake\\u009b2J\\u202egpj.exe", which this version does not know (sources.0.snapshotId: Required 1\\u000a');
  expect(message).toContain('(plan files1\\u000a\\u001b[32mClean: fake\\u009b2J\\u202egpj.exe) records a backup');
});

// Review r62C F5: a source name holding `", "` read as two sources, and a `status` that is not a string (a string set)
// showed as `{}`.
it('shows a source name holding a quote as one JSON-quoted name', () => {
  const message = new RecordedBackupUnreadableError('primary', 'files', damaged({ committed: true, sourcesWithoutSnapshotId: ['photos", "db'], snapshotIds: ['s1'] })).message;
  expect(message).toContain('names no snapshot this version can read for source "photos\\", \\"db" of the 2 its `sourceNames` and `sources` name');
});

it.each([
  [new Set(['COMMITTED']), 'a string set ["COMMITTED"]'],
  [new Set([1, 2]), 'a number set [1,2]'],
  [3, 'the number 3'],
  [true, 'the boolean true'],
  [null, 'null'],
  [['COMMITTED'], 'a list ["COMMITTED"]'],
  [{ S: 'COMMITTED' }, 'a map {"S":"COMMITTED"}'],
  [new Uint8Array([1, 2]), 'a binary value of 2 byte(s)'],
])('names a status %p that is not a string by its type and value', (status, shown) => {
  const message = new RecordedBackupUnreadableError('dr', 'files', damaged({ committed: undefined, status })).message;
  expect(message).toContain(`with \`status\` ${shown}, which this version does not know`);
});

// Review r63U F1: the stop showed the record's plan, source names and status to 200 characters, so a forged one spelled
// another record's delete; each is now cut at 40, as its pk and sk are.
it("spells no delete of another record that the damaged item's plan, source names or status hold", () => {
  const victim = `aws dynamodb delete-item --table-name lifeboat-dev-catalog --key pk={S=BACKUP#20261208T060000Z-0000000a},sk={S=BACKUP}`;
  const spelled = /delete-item(?: --[a-z-]+ [^\s']+)* --key (?:'(\{[^']*\})'|pk=\{S=([^}]*)\},sk=\{S=[^}]*\})/;
  const key = { pk: 'BACKUP#20261209T060000Z-0000000b', sk: 'BACKUP' };
  const error = new CatalogItemInvalidError('lifeboat-dev-catalog', `${key.pk} / ${key.sk}`, ['status: Required']);
  const committed = new RecordedBackupUnreadableError('primary', `p ${victim}`, damaged({ key, error, committed: true, sourcesWithoutSnapshotId: [`s ${victim}`] })).message;
  expect(committed).not.toMatch(spelled);
  expect(committed).toContain(`(plan ${shownItemKeyPart(`p ${victim}`)})`);
  expect(committed).toContain(`for source ${shownItemKeyPart(`s ${victim}`, (kept) => JSON.stringify(kept))} of the 1`);
  for (const status of [`DONE ${victim}`, { S: victim }]) {
    const unknown = new RecordedBackupUnreadableError('primary', 'files', damaged({ key, error, committed: undefined, status })).message;
    expect(unknown).not.toMatch(spelled);
    expect(unknown).toContain('which this version does not know');
  }
});

// Review r64G F7: the source names and status were cut at their first 40 alone (no digest), so two alike there read the
// same, where the docs said they were cut as the item's keys are: first 28, last 12 and the digest of the whole.
it('tells apart two long source names, and two long statuses, that differ past their first 40 characters', () => {
  const stop = (overrides: Parameters<typeof damaged>[0]) => new RecordedBackupUnreadableError('primary', 'files', damaged(overrides)).message;
  const common = 'photos-of-the-eu-west-archive-2026-11-of-team';
  const [a, b] = [`${common}-A`, `${common}-B`].map((name) => stop({ committed: true, sourcesWithoutSnapshotId: [name], snapshotIds: ['s1'] }));
  expect(a).not.toBe(b);
  expect(a).toContain(`for source "photos-of-the-eu-west-archiv"…"11-of-team-A" (cut from 47 characters, sha256 `);
  expect(b).toContain(`for source "photos-of-the-eu-west-archiv"…"11-of-team-B" (cut from 47 characters, sha256 `);
  const [c, d] = [`${common}-A`, `${common}-B`].map((status) => stop({ committed: undefined, status }));
  expect(c).not.toBe(d);
  expect(c).toContain('with `status` "photos-of-the-eu-west-archiv"…"11-of-team-A" (cut from 47 characters, sha256 ');
  const [e, f] = [`${common}-A`, `${common}-B`].map((member) => stop({ committed: undefined, status: new Set([member]) }));
  expect(e).not.toBe(f);
  expect(e).toContain('with `status` a string set ["photos-of-the-eu-west-arch…-of-team-A"] (cut from 51 characters, sha256 ');
});
