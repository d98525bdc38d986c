import { CatalogItemInvalidError } from '../../../../lambdas/catalog/catalog-errors';
import { backupRecordSchema } from '../../../../lambdas/catalog/backup-record';

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
  const good = { pk: 'BACKUP#b', sk: 'BACKUP', backupId: 'b', plan: 'demo', environment: 'dev', sourceNames: ['a'], sources: [], strategy: 'full', status: 'COMMITTED', startedAt: '2026-12-09T06:00:00Z', shardCount: 1 };
  /** The message of a record pinned by `id` whose pin's `until` is a number: its problem as the catalog words it. */
  const pinnedBy = (id: string): string => {
    const parsed = backupRecordSchema.safeParse({ ...good, pins: { [id]: { by: `restore ${id}`, at: '2026-12-09T06:00:00Z', until: 12 } } });
    const problems = parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.length > 0 ? i.path.join('.') : '(item)'}: ${i.message}`);
    return new CatalogItemInvalidError('lifeboat-dev-catalog', 'BACKUP#b / BACKUP', problems).message;
  };

  it('a restore id of 36 characters: the whole problem', () => {
    expect(pinnedBy('3f2a1c9e-7b4d-4e2a-9c1f-0a1b2c3d4e5f')).toContain(': pins.3f2a1c9e-7b4d-4e2a-9c1f-0a1b2c3d4e5f.until: Invalid input: expected string, received number. Fix or delete');
  });

  it('a restore id of 78 characters: the id cut at 40, then "until" and zod\'s words', () => {
    const id = 'failover-20261209T070000Z-0000000c-shop-assets-and-the-orders-table-restore-x1';
    expect(pinnedBy(id)).toContain(`: pins.${id.slice(0, 40)}… (cut from 78 characters).until: Invalid input: expected string, received number. Fix or delete`);
  });

  it('a key that spells a delete is cut whole, even split by dots into pieces each shorter than 40 or by ": "', () => {
    const forged = `aws dynamodb delete-item --table-name a.b.c --key pk={S=BACKUP#x},sk={S=BACKUP}`;
    const message = pinnedBy(forged);
    expect(message).not.toContain('--key');
    expect(message).toContain(`pins.${forged.slice(0, 40)}… (cut from ${forged.length} characters).until: Invalid input: expected string`);
    const colon = new CatalogItemInvalidError('t', 'BACKUP#b / BACKUP', [`pins.x: ${forged} and more and more.until: Invalid input`]).message;
    expect(colon).not.toContain('sk={S=BACKUP}');
    expect(colon).toContain('pins.x: aws dynamodb delete-item');
  });
});
