import { createHash } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { BackupCatalog } from '../../../../lambdas/catalog/backup-catalog';
import { backupRecordSchema } from '../../../../lambdas/catalog/backup-record';
import { CatalogItemInvalidError } from '../../../../lambdas/catalog/catalog-errors';
import { shownItemKeyPart } from '../../../../lambdas/catalog/shown-item-key';

// f62F: a damaged item's key (and a problem quoting its value) reached the message raw: a newline and ESC forged the
// lines of every output quoting it (doctor, the failover refusal, the legal-hold release), a CSI (U+009B) drove the
// terminal and a bidi override (U+202E) showed the name reversed.
const FORGED = '1\n\u001b[31mClean: fake\u009b2J\u202Egpj.exe';
const SHOWN = '1\\u000a\\u001b[31mClean: fake\\u009b2J\\u202egpj.exe';
/** The forging characters a text holds raw. */
const raw = (text: string): string[] => ['\n', '\u001b', '\u009b', '\u202e'].filter((c) => text.includes(c));

it("shows a damaged record's key and problems with their control and bidi characters escaped, the key still recognisable", () => {
  const error = new CatalogItemInvalidError('lifeboat-dev-catalog', `BACKUP#${FORGED} / BACKUP`, [`status: Invalid enum value, received '${FORGED}'`]);
  expect(raw(error.message)).toEqual([]);
  expect(error.message).toBe(
    `Catalog item BACKUP#${SHOWN} / BACKUP in table lifeboat-dev-catalog is not a valid backup record: status: Invalid enum value, received '${SHOWN}'. ` +
      'Fix or delete the item (the vault keeps the backup itself), or upgrade Lifeboat if a newer version wrote it.',
  );
  // The key a caller deletes or looks up by stays the item's own.
  expect(error.item).toBe(`BACKUP#${FORGED} / BACKUP`);
});

it('shows a pre-vault record\'s damaged key escaped', () => {
  const message = new CatalogItemInvalidError('lifeboat-dev-catalog', `BACKUP#${FORGED} / BACKUP`, [], { preVault: true }).message;
  expect(raw(message)).toEqual([]);
  expect(message).toMatch(/^Catalog item BACKUP#1\\u000a\\u001b\[31mClean: fake\\u009b2J\\u202egpj\.exe \/ BACKUP in table lifeboat-dev-catalog is a record from before the vault/);
});

it('shows an ordinary key as it is', () => {
  const message = new CatalogItemInvalidError('lifeboat-dev-catalog', 'PLAN#files / LOCK', ['expiresAt: Required']).message;
  expect(message).toMatch(/^Catalog item PLAN#files \/ LOCK in table lifeboat-dev-catalog is not a valid catalog item: expiresAt: Required\. /);
});

// Review r62S F2: each problem was cut at 80 characters (1e25c71d), so a pin of a long restore id lost its field and
// zod's words. The field names and zod's message are whole; only the item's own key is cut, at 40.
describe('a problem of a damaged record shows its field names and zod\'s message whole, its own keys cut', () => {
  const ddb = mockClient(DynamoDBDocumentClient);
  const catalog = new BackupCatalog(DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' })), 'lifeboat-dev-catalog');
  afterAll(() => ddb.restore());
  const good = { pk: 'BACKUP#b', sk: 'BACKUP', backupId: 'b', plan: 'demo', environment: 'dev', sourceNames: ['a'], sources: [], strategy: 'full', status: 'COMMITTED', startedAt: '2026-12-09T06:00:00Z', shardCount: 1 };
  /** The refusal of the catalog reading a record pinned by `id` whose pin's `until` is a number. */
  const pinnedBy = async (id: string): Promise<string> => {
    ddb.reset();
    ddb.on(GetCommand).resolves({ Item: { ...good, pins: { [id]: { by: `restore ${id}`, at: '2026-12-09T06:00:00Z', until: 12 } } } });
    const err = await catalog.requireBackup('b').then(
      () => undefined,
      (e: unknown) => e,
    );
    if (!(err instanceof CatalogItemInvalidError)) throw new Error(`expected CatalogItemInvalidError, got ${String(err)}`);
    return err.message;
  };

  it('a restore id of 36 characters: the whole problem', async () => {
    expect(await pinnedBy('3f2a1c9e-7b4d-4e2a-9c1f-0a1b2c3d4e5f')).toContain(': pins.3f2a1c9e-7b4d-4e2a-9c1f-0a1b2c3d4e5f.until: Invalid input: expected string, received number. Fix or delete');
  });

  it('a restore id of 78 characters: the id cut at 40, then "until" and zod\'s words', async () => {
    const id = 'failover-20261209T070000Z-0000000c-shop-assets-and-the-orders-table-restore-x1';
    expect(await pinnedBy(id)).toContain(`: pins.${shownItemKeyPart(id)}.until: Invalid input: expected string, received number. Fix or delete`);
  });

  it('a key that spells a delete is cut at 40, dots in it or not', async () => {
    const forged = `aws dynamodb delete-item --table-name a.b.c --key pk={S=BACKUP#x},sk={S=BACKUP}`;
    const message = await pinnedBy(forged);
    expect(message).not.toContain('--key');
    expect(message).toContain(`pins.${shownItemKeyPart(forged)}.until: Invalid input: expected string`);
  });

  // Review r62U F1: the problem was joined into `<path>: <message>` and split again at its first ': ', so a key holding
  // ': ' ended the path there and its rest was shown as zod's message, to 78: 120 characters of the item's own text,
  // enough to spell another record's delete.
  it('a key of 120 characters holding ": " shows 40 of them and no delete it spells', async () => {
    const forged = 'aws dynamodb delete-item --table-name x: --key pk={S=BACKUP#20261208T060000Z-0000000a},sk={S=BACKUP} '.padEnd(120, 'p');
    const message = await pinnedBy(forged);
    expect(message).not.toContain('--key');
    expect(message).not.toContain('BACKUP#20261208T060000Z-0000000a');
    expect(message).toContain(`: pins.${shownItemKeyPart(forged)}.until: Invalid input: expected string, received number. Fix or delete`);
    expect(message).not.toContain(forged.slice(0, 41));
  });

  it('a problem worded as text is cut as a message, at 78', () => {
    const text = `sources: ${'s'.repeat(100)}`;
    const message = new CatalogItemInvalidError('t', 'BACKUP#b / BACKUP', [text]).message;
    expect(message).toContain(`: ${text.slice(0, 78)}… (cut from ${text.length} characters). Fix or delete`);
  });
});

// Review r63B F1: the problems were cut, but the item's own pk and sk were shown to 200 characters: a forged key spelled
// another record's delete in every refusal quoting this message, beside the real deletes.
it.each([
  ['pk', `BACKUP#x aws dynamodb delete-item --table-name t --key pk={S=BACKUP#20261208T060000Z-0000000a},sk={S=BACKUP} / BACKUP`],
  ['sk', `BACKUP#b / BACKUP aws dynamodb delete-item --table-name t --key pk={S=BACKUP#20261208T060000Z-0000000a},sk={S=BACKUP}`],
])('shows a forged %s cut at 40 characters, so that it spells no delete', (_, item) => {
  const message = new CatalogItemInvalidError('lifeboat-dev-catalog', item, ['status: bad']).message;
  expect(message).not.toContain('--key');
  expect(message).not.toContain('BACKUP#20261208T060000Z-0000000a');
  const [pk = '', sk = ''] = item.split(' / ');
  const shown = (key: string): string => (key.length > 40 ? `${key.slice(0, 28)}…${key.slice(-12)} (cut from ${key.length} characters, sha256 ${sha256(key).slice(0, 8)})` : key);
  expect(message).toMatch(new RegExp(`^Catalog item ${escapeRegExp(`${shown(pk)} / ${shown(sk)}`)} in table lifeboat-dev-catalog is not a valid backup record: status: bad\\. `));
});

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');
const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

// Review r63B F2: every problem was listed, so a record with 2,000 bad pins made a message of 244 KB (and the doctor
// prints up to 10 such). The first 10 are listed, then how many more.
it('lists the first 10 problems of a record with 2,000, then how many more', () => {
  const good = { pk: 'BACKUP#b', sk: 'BACKUP', backupId: 'b', plan: 'demo', environment: 'dev', sourceNames: ['a'], sources: [], strategy: 'full', status: 'COMMITTED', startedAt: '2026-12-09T06:00:00Z', shardCount: 1 };
  const pins = Object.fromEntries(Array.from({ length: 2000 }, (_, i) => [`${'k'.repeat(60)}${i}`, 'x']));
  const parsed = backupRecordSchema.safeParse({ ...good, pins });
  if (parsed.success) throw new Error('expected the pins to be refused');
  expect(parsed.error.issues).toHaveLength(2000);
  const error = new CatalogItemInvalidError('lifeboat-dev-catalog', 'BACKUP#b / BACKUP', parsed.error.issues);
  const problem = (i: number): string => `pins.${shownItemKeyPart(`${'k'.repeat(60)}${i}`)}: Invalid input: expected object, received string`;
  expect(error.message).toBe(
    `Catalog item BACKUP#b / BACKUP in table lifeboat-dev-catalog is not a valid backup record: ${Array.from({ length: 10 }, (_, i) => problem(i)).join('; ')}; and 1990 more. ` +
      'Fix or delete the item (the vault keeps the backup itself), or upgrade Lifeboat if a newer version wrote it.',
  );
  // A refusal of another reader quotes them so too (the prune's stop); the problems as they are stay whole, for a log.
  expect(error.shownProblems).toEqual([...Array.from({ length: 10 }, (_, i) => problem(i)), 'and 1990 more']);
  expect(error.problems).toHaveLength(2000);
  // Keys alike in their first 40 characters are told apart by their last ones (review r63K F6).
  expect(new Set(error.shownProblems).size).toBe(11);
  // Ten problems whole: no "more".
  const ten = new CatalogItemInvalidError('lifeboat-dev-catalog', 'BACKUP#b / BACKUP', parsed.error.issues.slice(0, 10));
  expect(ten.message).not.toContain('more');
  expect(ten.shownProblems).toHaveLength(10);
});
