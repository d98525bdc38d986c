import { type InvalidBackupItem, logInvalidBackupItem } from '../../../../lambdas/catalog/backup-catalog';
import { CatalogItemInvalidError } from '../../../../lambdas/catalog/catalog-errors';

// f62F: the warning for a passed-over record is one JSON line; JSON.stringify escapes a key's newline and ESC but leaves
// a C1 CSI (U+009B), U+2028 (a line break to some log viewers) and a bidi override (U+202E) raw.
const FORGED = '1\n\u001b[31mClean: fake\u009b2J\u2028\u202Egpj.exe';

afterEach(() => jest.restoreAllMocks());

it('logs a damaged key as one JSON line with its control, line-break and bidi characters as \\uXXXX, read back as the same key', () => {
  const lines: string[] = [];
  jest.spyOn(console, 'warn').mockImplementation((line: string) => void lines.push(line));
  const key = { pk: `BACKUP#${FORGED}`, sk: 'BACKUP' };
  const invalid = { key, error: new CatalogItemInvalidError('lifeboat-dev-catalog', `${key.pk} / ${key.sk}`, ['status: bad']), snapshotIds: [] } as unknown as InvalidBackupItem;
  logInvalidBackupItem(invalid);
  expect(lines).toHaveLength(1);
  const line = lines[0] ?? '';
  expect(['\n', '\u001b', '\u009b', '\u2028', '\u202e'].filter((c) => line.includes(c))).toEqual([]);
  expect(line).toContain('"item":"BACKUP#1\\n\\u001b[31mClean: fake\\u009b2J\\u2028\\u202egpj.exe / BACKUP"');
  const parsed = JSON.parse(line) as { level: string; item: string; message: string };
  expect(parsed).toMatchObject({ level: 'WARN', item: `BACKUP#${FORGED} / BACKUP` });
  expect(parsed.message).toMatch(/^passed over: Catalog item BACKUP#1\\u000a\\u001b\[31mClean: fake\\u009b2J\\u2028\\u202egpj\.exe \/ BACKUP in table lifeboat-dev-catalog is not a valid backup record: status: bad\./);
});
