import { INVALID_ITEM_LINES } from '../../../lambdas/catalog/catalog-item-delete-command';
import { checkCatalogPlans, checkDrCatalogItems } from '../../../cli/doctor/catalog-plan-checks';
import { doctorContext, type DoctorMode } from '../../../cli/doctor/doctor-context';
import { type CatalogPlanSummary, type InvalidBackupItem } from '../../../lambdas/catalog/backup-catalog';
import { CatalogItemInvalidError } from '../../../lambdas/catalog/catalog-errors';
import { shownItemKeyPart } from '../../../lambdas/catalog/shown-item-key';
import { loadLifeboatConfig } from '../../../config/load-config';
import { SAMPLE_CONFIG_FILE } from '../../support/repo-root';

/**
 * Audit R31 F1: `lifeboat doctor`'s catalog check names each backup record every listing passes over, one line each
 * with the AWS CLI command that deletes it (against the local cloud's DynamoDB in local mode), and folds a long
 * history of them into one more line.
 */

const config = loadLifeboatConfig(SAMPLE_CONFIG_FILE);
const environment = config.environments[0];
if (!environment) throw new Error('the sample config has no environment');
const ctx = (mode: DoctorMode) => doctorContext({ configFile: SAMPLE_CONFIG_FILE, envName: 'dev', dataDir: '/tmp/lb-data', mode }, config, environment);

const preVault = (n: number): InvalidBackupItem => {
  const pk = `BACKUP#20261124T12000${n}Z-0000aaaa`;
  return { key: { pk, sk: 'BACKUP' }, preVault: true, mayBeHeld: false, forgotten: false, snapshotIds: [], error: new CatalogItemInvalidError('lifeboat-dev-catalog', `${pk} / BACKUP`, [], { preVault: true }) };
};
const summaries = (invalid: InvalidBackupItem[]): { summarizePlans: () => Promise<CatalogPlanSummary[]> } => ({ summarizePlans: async () => [{ plan: 'demo', backups: 2, invalid }] });

// Review r62H F4: the endpoint was a `<the dynamodb … URL of lifeboat local status>` placeholder, which bash reads as a
// redirect when pasted; the doctor reached the local cloud, so it names the endpoint it reached.
it('in local mode, points the AWS CLI at the local cloud\'s DynamoDB of the catalog\'s region, the endpoint the doctor reached', async () => {
  const results = await checkCatalogPlans(summaries([preVault(0)]), ctx('local'), { 'us-east-1': 'http://127.0.0.1:4569', 'us-west-2': 'http://127.0.0.1:4570' });
  expect(results.map((r) => [r.verdict, r.name])).toEqual([
    ['ok', 'catalog plans'],
    ['warn', 'catalog item BACKUP#20261124T120000Z-0000aaaa'],
  ]);
  expect(results[1]?.fix).toBe(
    `AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER aws --endpoint-url http://127.0.0.1:4569 ` +
      `dynamodb delete-item --region us-east-1 --table-name lifeboat-dev-catalog --key '{"pk":{"S":"BACKUP#20261124T120000Z-0000aaaa"},"sk":{"S":"BACKUP"}}' --condition-expression 'attribute_exists(pk)'`,
  );
});

it('in local mode, without the endpoint (never in a run that reached the cloud), names where `lifeboat local status` shows it', async () => {
  const results = await checkCatalogPlans(summaries([preVault(0)]), ctx('local'));
  // Quoted as one word (f62AF): unquoted, a paste that forgot to fill it in read `<…>` as a redirect.
  expect(results[1]?.fix).toMatch(/^AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER aws --endpoint-url '<the dynamodb us-east-1 URL of lifeboat local status --data-dir \/tmp\/lb-data>' dynamodb delete-item /);
});

const heldItem: InvalidBackupItem = { key: { pk: 'BACKUP#b-9', sk: 'BACKUP' }, backupId: 'b-9', preVault: false, mayBeHeld: true, forgotten: false, snapshotIds: [], error: new CatalogItemInvalidError('lifeboat-dev-catalog', 'BACKUP#b-9 / BACKUP', ['status: bad']) };
const heldFinding = 'Catalog item BACKUP#b-9 / BACKUP in table lifeboat-dev-catalog is not a valid backup record: status: bad. Listings, retention and replication pass over it';

// Review r64AC F1: without Object Lock a release never refuses (there are no S3 legal holds) and a rebuild writes the
// record back unheld, so "delete it and rebuild before any release" lost the hold and let `backups forget` forget the
// backup. And the error's own "Fix or delete the item" contradicted the held advice: the line quotes its finding only.
it('names a damaged record that may be held, without Object Lock: fix it, do not delete it, as a rebuild cannot hold it again; and folds items beyond the first few into one line', async () => {
  expect(environment.immutability).toBeUndefined();
  const many = [heldItem, ...Array.from({ length: INVALID_ITEM_LINES + 2 }, (_, i) => preVault(i))];
  const results = await checkCatalogPlans(summaries(many), ctx('aws'));
  expect(results).toHaveLength(1 + INVALID_ITEM_LINES + 1);
  const hold = ctx('aws').lifeboat("backups hold b-9 --reason 'doctor: held again after a damaged catalog record was rebuilt'");
  expect(results[1]).toEqual({
    name: 'catalog item BACKUP#b-9',
    verdict: 'warn',
    detail: `${heldFinding}; it has a legal hold: fix the item; do not delete it: a rebuild cannot restore its hold (hold it again with ${hold} after)`,
    fix: `correct the item; if it is deleted and written again by ${ctx('aws').lifeboat('catalog rebuild --vault primary')} from the vault, hold it again with ${hold}`,
  });
  expect(results[1]?.detail).not.toMatch(/Fix or delete|release/);
  expect(results.at(-1)).toEqual({
    name: 'catalog items',
    verdict: 'warn',
    detail: '3 more backup record(s) are not valid',
    fix: "the same for each; those from before the vault are what aws dynamodb scan --region us-east-1 --table-name lifeboat-dev-catalog --index-name byPlan --filter-expression 'attribute_not_exists(sourceNames)' --projection-expression pk,sk lists",
  });
});

it('names a damaged record that may be held, with Object Lock: every release refuses until it is fixed, or deleted and rebuilt first', async () => {
  const locked = { ...environment, immutability: { mode: 'GOVERNANCE' as const, days: 30 } };
  const lockedCtx = doctorContext({ configFile: SAMPLE_CONFIG_FILE, envName: 'dev', dataDir: '/tmp/lb-data', mode: 'aws' }, { ...config, environments: [locked] }, locked);
  const results = await checkCatalogPlans(summaries([heldItem]), lockedCtx);
  const rebuild = lockedCtx.lifeboat('catalog rebuild --vault primary');
  expect(results[1]).toEqual({
    name: 'catalog item BACKUP#b-9',
    verdict: 'warn',
    detail:
      `${heldFinding}; it has a legal hold, so every \`lifeboat backups release\` refuses until the item is fixed, or deleted and written again by ` +
      `${rebuild}: run that before any release, which with the item gone would lift the S3 legal holds its backup needs`,
    fix: `correct the item, or delete it (aws dynamodb delete-item --region us-east-1 --table-name lifeboat-dev-catalog --key '{"pk":{"S":"BACKUP#b-9"},"sk":{"S":"BACKUP"}}' --condition-expression 'attribute_exists(pk)') and run ${rebuild} to write it again from the vault`,
  });
});

// Review r64AF: the hold-again line pasted as printed must hold the right backup with a real reason: `<backup id>`
// unquoted is a shell redirect, `--reason …` stored "…" as the reason, and the DR catalog's line held the primary half
// first, which fails while the primary region is down.
it('prints a hold-again line a shell reads as meant: the placeholder quoted, a concrete reason, and --only dr for the DR catalog', async () => {
  const odd: InvalidBackupItem = { ...heldItem, key: { pk: 'BACKUP#b 9\u001b[2K', sk: 'BACKUP' }, backupId: 'b 9\u001b[2K' };
  const [, primary] = await checkCatalogPlans(summaries([odd]), ctx('aws'));
  const [dr] = await checkDrCatalogItems(summaries([heldItem]), ctx('aws'));
  const reason = "--reason 'doctor: held again after a damaged catalog record was rebuilt'";
  expect(primary?.fix).toContain(`hold it again with ${ctx('aws').lifeboat(`backups hold '<backup id>' ${reason}`)} (for '<backup id>' put the backup id: the part after BACKUP# of the item's key; it is not printed as a word to paste)`);
  expect(dr?.fix).toContain(`hold it again with ${ctx('aws').lifeboat(`backups hold b-9 ${reason} --only dr`)}`);
  for (const line of [primary?.detail, primary?.fix, dr?.detail, dr?.fix]) expect(line).not.toMatch(/…| <backup id>/);
});

// f65O: the hold line had a rule of its own ([A-Za-z0-9._:-]{1,100}): a plain id with `@` or `/` got the placeholder, one
// a shell reads quoted got it too, and a leading `-` (an option to the CLI) was printed bare. One rule now (pastedIdWord).
it.each([
  ['files@2026/9', 'files@2026/9'],
  ['b 9;x', "'b 9;x'"],
  ['-x', "'<backup id>'"],
])('prints the hold-again line of backup id %j with %s', async (backupId, word) => {
  const item: InvalidBackupItem = { ...heldItem, key: { pk: `BACKUP#${backupId}`, sk: 'BACKUP' }, backupId };
  const [, primary] = await checkCatalogPlans(summaries([item]), ctx('aws'));
  expect(primary?.fix).toContain(`hold it again with ${ctx('aws').lifeboat(`backups hold ${word} --reason 'doctor: held again after a damaged catalog record was rebuilt'`)}`);
});

// Review r65O F1: the hold-again line took the item's `backupId` attribute; the catalog calls an item invalid exactly when
// it differs from the id its key names, and a rebuild writes the record back under the key's id, so the pasted line held
// another backup and the damaged one came back unheld. It holds the key's backup, and says the attribute names another.
it("holds again the backup the item's key names, not the other backup its `backupId` attribute names", async () => {
  const mismatched: InvalidBackupItem = { ...heldItem, key: { pk: 'BACKUP#20261208T030000Z-aaaaaaaa', sk: 'BACKUP' }, backupId: '20261207T030000Z-bbbbbbbb' };
  const [, primary] = await checkCatalogPlans(summaries([mismatched]), ctx('aws'));
  const [dr] = await checkDrCatalogItems(summaries([mismatched]), ctx('aws'));
  const reason = "--reason 'doctor: held again after a damaged catalog record was rebuilt'";
  const other = "; its `backupId` names another backup, 20261207T030000Z-bbbbbbbb, which this hold is not of: the hold is of the backup its key names";
  expect(primary?.fix).toContain(`hold it again with ${ctx('aws').lifeboat(`backups hold 20261208T030000Z-aaaaaaaa ${reason}`)}${other}`);
  expect(primary?.detail).toContain(`hold it again with ${ctx('aws').lifeboat(`backups hold 20261208T030000Z-aaaaaaaa ${reason}`)} after${other})`);
  expect(dr?.fix).toContain(`hold it again with ${ctx('aws').lifeboat(`backups hold 20261208T030000Z-aaaaaaaa ${reason} --only dr`)}${other}`);
  for (const line of [primary?.detail, primary?.fix, dr?.detail, dr?.fix]) expect(line).not.toContain('backups hold 20261207T030000Z-bbbbbbbb');
});

// Review r65Q F3: an item whose key is not `BACKUP#<id>` got a hold line and "the hold is of the backup its key names",
// though its key names none: no hold line, and the doctor says its key is not a backup record's, to delete or fix it.
it.each([['MANUAL#b-9'], ['BACKUP#']])('gives an item keyed %j no hold line, saying its key is not a backup record\'s', async (pk) => {
  const item: InvalidBackupItem = { ...heldItem, key: { pk, sk: 'BACKUP' }, backupId: 'b-9' };
  const [, primary] = await checkCatalogPlans(summaries([item]), ctx('aws'));
  const [dr] = await checkDrCatalogItems(summaries([item]), ctx('aws'));
  for (const result of [primary, dr]) {
    expect(result?.detail).toContain(`its key ${pk} is not a backup record's (BACKUP#<backup id>), so its legal hold holds no backup`);
    expect(result?.fix).toMatch(/^delete the item \(aws dynamodb delete-item .*\), or fix its key to BACKUP#<the backup id>/);
    for (const line of [result?.detail, result?.fix]) expect(line).not.toMatch(/backups hold|the hold is of the backup its key names/);
  }
});

describe('the DR catalog, which a failover reads', () => {
  const damaged: InvalidBackupItem = {
    key: { pk: 'BACKUP#b-7', sk: 'BACKUP' },
    backupId: 'b-7',
    startedAt: '2026-12-01T00:00:00.000Z',
    preVault: false,
    mayBeHeld: false,
    forgotten: false,
    snapshotIds: [],
    error: new CatalogItemInvalidError('lifeboat-dev-catalog', 'BACKUP#b-7 / BACKUP', ['copies.dr: bad']),
  };

  it('names each record it cannot read as the DR catalog\'s, in the DR region, with the DR region\'s delete and rebuild', async () => {
    const results = await checkDrCatalogItems(summaries([damaged, preVault(0)]), ctx('aws'));
    const del = (pk: string) => `aws dynamodb delete-item --region us-west-2 --table-name lifeboat-dev-catalog --key '{"pk":{"S":"${pk}"},"sk":{"S":"BACKUP"}}' --condition-expression 'attribute_exists(pk)'`;
    expect(results).toEqual([
      {
        name: 'dr catalog item BACKUP#b-7',
        verdict: 'warn',
        detail:
          'In the DR catalog lifeboat-dev-catalog (us-west-2): Catalog item BACKUP#b-7 / BACKUP in table lifeboat-dev-catalog is not a valid backup record: copies.dr: bad. Fix or delete the item (the vault keeps the backup itself), or upgrade Lifeboat if a newer version wrote it. ' +
          'Listings, the DR retention, failovers and drills pass over it (a failover or drill by time refuses while it may be a newer backup)',
        fix: `correct the item, or delete it (${del('BACKUP#b-7')}) and run ${ctx('aws').lifeboat('catalog rebuild --vault dr --region dr')} to write it again from the DR vault`,
      },
      { name: 'dr catalog item BACKUP#20261124T120000Z-0000aaaa', verdict: 'warn', detail: `In the DR catalog lifeboat-dev-catalog (us-west-2): ${preVault(0).error.message}`, fix: del('BACKUP#20261124T120000Z-0000aaaa') },
    ]);
    expect(ctx('aws').lifeboat('catalog rebuild --vault dr --region dr')).toMatch(/^lifeboat catalog rebuild --vault dr --region dr --env dev .*--aws$/);
  });

  it('in local mode points the AWS CLI at the DR region\'s DynamoDB of the local cloud, and folds items beyond the first few', async () => {
    const results = await checkDrCatalogItems(summaries(Array.from({ length: INVALID_ITEM_LINES + 1 }, (_, i) => preVault(i))), ctx('local'), { 'us-east-1': 'http://127.0.0.1:4569', 'us-west-2': 'http://127.0.0.1:4570' });
    expect(results).toHaveLength(INVALID_ITEM_LINES + 1);
    const cli = 'AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER aws --endpoint-url http://127.0.0.1:4570';
    expect(results[0]?.fix).toBe(`${cli} dynamodb delete-item --region us-west-2 --table-name lifeboat-dev-catalog --key '{"pk":{"S":"BACKUP#20261124T120000Z-0000aaaa"},"sk":{"S":"BACKUP"}}' --condition-expression 'attribute_exists(pk)'`);
    expect(results.at(-1)).toEqual({
      name: 'dr catalog items',
      verdict: 'warn',
      detail: '1 more backup record(s) in the DR catalog lifeboat-dev-catalog (us-west-2) are not valid',
      fix: `the same for each; those from before the vault are what ${cli} dynamodb scan --region us-west-2 --table-name lifeboat-dev-catalog --index-name byPlan --filter-expression 'attribute_not_exists(sourceNames)' --projection-expression pk,sk lists`,
    });
  });

  it('says so in one ok line when every record is valid', async () => {
    expect(await checkDrCatalogItems(summaries([]), ctx('aws'))).toEqual([{ name: 'dr catalog items', verdict: 'ok', detail: 'every backup record of the DR catalog lifeboat-dev-catalog (us-west-2) is valid' }]);
  });

  it('warns, and goes on, when the DR catalog cannot be scanned (the DR region down, or no dynamodb:Scan)', async () => {
    const unreachable = { summarizePlans: () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:45457')) };
    expect(await checkDrCatalogItems(unreachable, ctx('local'))).toEqual([
      {
        name: 'dr catalog items',
        verdict: 'warn',
        detail: 'cannot scan the DR catalog lifeboat-dev-catalog (us-west-2) for backup records that are not valid: connect ECONNREFUSED 127.0.0.1:45457',
        fix: "allow dynamodb:Scan on the DR catalog table's byPlan index (us-west-2) to the caller, or run the doctor again once the DR region answers",
      },
    ]);
  });

  it('in AWS with the DR stack in another account, scans nothing and says how to look with that account\'s credentials', async () => {
    const other = { ...environment, drAccount: '222222222222' };
    const otherCtx = doctorContext({ configFile: SAMPLE_CONFIG_FILE, envName: 'dev', dataDir: '/tmp/lb-data', mode: 'aws' }, { ...config, environments: [other] }, other);
    const scan = jest.fn(async (): Promise<CatalogPlanSummary[]> => []);
    expect(await checkDrCatalogItems({ summarizePlans: scan }, otherCtx)).toEqual([
      {
        name: 'dr catalog items',
        verdict: 'warn',
        detail: "the DR catalog lifeboat-dev-catalog (us-west-2) is in account 222222222222, which the doctor does not read with account 000000000000's credentials",
        fix:
          "with account 222222222222's credentials: aws dynamodb scan --region us-west-2 --table-name lifeboat-dev-catalog --index-name byPlan --filter-expression 'attribute_not_exists(sourceNames)' --projection-expression pk,sk lists the records from before the vault; " +
          "the logs of the DR region's runbooks name every record they pass over",
      },
    ]);
    expect(scan).not.toHaveBeenCalled();
  });

  it('leaves the primary catalog\'s lines as they were: their names and details, in the primary region', async () => {
    const results = await checkCatalogPlans(summaries([damaged]), ctx('aws'));
    expect(results[1]).toEqual(expect.objectContaining({ name: 'catalog item BACKUP#b-7', detail: expect.stringMatching(/^Catalog item BACKUP#b-7 .* Listings, retention and replication pass over it$/), fix: expect.stringContaining('delete-item --region us-east-1 ') }));
  });
});

// Review r61AE F3, F4: the doctor showed a damaged item's key and error raw in its line (a newline and ESC forged report
// lines), and its delete-item command left a CSI (U+009B) and a bidi override (U+202E) raw in the line to paste.
it('shows a damaged item whose key holds a newline, ESC, CSI and a bidi override escaped, and a delete command naming the same item', async () => {
  const pk = 'BACKUP#b-1\n\u001b[32mok   Clean: fake\u009b2J\u202Egpj.exe';
  const item: InvalidBackupItem = { key: { pk, sk: 'BACKUP' }, backupId: 'b-1', preVault: false, mayBeHeld: false, forgotten: false, snapshotIds: [], error: new CatalogItemInvalidError('lifeboat-dev-catalog', `${pk} / BACKUP`, ['status: bad']) };
  const [, line] = await checkCatalogPlans(summaries([item]), ctx('aws'));
  for (const text of [line?.name, line?.detail, line?.fix]) expect(['\n', '\u001b', '\u009b', '\u202e'].filter((c) => text?.includes(c))).toEqual([]);
  // Its 43 characters cut to 40, its first and last (review r63B F1, r63U F4): in the delete alone is the key whole.
  expect(line?.name).toBe('catalog item BACKUP#b-1\\u000a\\u001b[32mok   Clean: …e\\u009b2J\\u202egpj.exe (cut from 43 characters, sha256 62d98faa)');
  expect(line?.detail).toMatch(/^Catalog item BACKUP#b-1\\u000a\\u001b\[32mok {3}Clean: …e\\u009b2J\\u202egpj\.exe \(cut from 43 characters, sha256 62d98faa\) \/ BACKUP in table lifeboat-dev-catalog is not a valid backup record: status: bad\./);
  const key = /--key '([^']*)'/.exec(line?.fix ?? '')?.[1];
  expect(key).toBe('{"pk":{"S":"BACKUP#b-1\\n\\u001b[32mok   Clean: fake\\u009b2J\\u202egpj.exe"},"sk":{"S":"BACKUP"}}');
  // The AWS CLI reads the escapes back: the same item.
  expect(JSON.parse(key ?? '')).toEqual({ pk: { S: pk }, sk: { S: 'BACKUP' } });
});

// Review r63B F1: the item's problems were cut, but its own pk was shown to 200 characters in the line's name and the
// error's message, so a forged pk spelled another record's delete beside the real one.
it('shows a damaged item\'s pk cut at 40, so that only its own delete spells a delete, of it alone', async () => {
  const victim = 'BACKUP#20261208T060000Z-0000000a';
  const pk = `BACKUP#x aws dynamodb delete-item --table-name lifeboat-dev-catalog --key pk={S=${victim}},sk={S=BACKUP}`;
  const item: InvalidBackupItem = { key: { pk, sk: 'BACKUP' }, backupId: 'x', preVault: false, mayBeHeld: false, forgotten: false, snapshotIds: [], error: new CatalogItemInvalidError('lifeboat-dev-catalog', `${pk} / BACKUP`, ['status: bad']) };
  const [, line] = await checkCatalogPlans(summaries([item]), ctx('aws'));
  const key = /delete-item(?: --[a-z-]+ [^\s']+)* --key (?:'(\{[^']*\})'|pk=\{S=([^}]*)\},sk=\{S=[^}]*\})/g;
  const pks = [line?.name, line?.detail, line?.fix].flatMap((text) => [...(text ?? '').matchAll(key)].map((m) => (m[1] !== undefined ? (JSON.parse(m[1]) as { pk: { S: string } }).pk.S : m[2])));
  expect(pks).toEqual([pk]);
  expect(line?.name).toBe(`catalog item ${shownItemKeyPart(pk)}`);
  expect(line?.detail).toMatch(/^Catalog item BACKUP#x aws dynamodb delete…k=\{S=BACKUP\} \(cut from 127 characters, sha256 71273cda\) \/ BACKUP in table lifeboat-dev-catalog is not a valid backup record: status: bad\./);
  expect(line?.fix).toContain(`--key '{"pk":{"S":"${pk}"},"sk":{"S":"BACKUP"}}' --condition-expression 'attribute_exists(pk)'`);
});
