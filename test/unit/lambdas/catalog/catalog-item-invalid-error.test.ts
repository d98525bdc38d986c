import { CatalogItemInvalidError } from '../../../../lambdas/catalog/catalog-errors';

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
