import { checkCatalogPlans, INVALID_ITEM_LINES } from '../../../cli/doctor/catalog-plan-checks';
import { doctorContext, type DoctorMode } from '../../../cli/doctor/doctor-context';
import { type CatalogPlanSummary, type InvalidBackupItem } from '../../../lambdas/catalog/backup-catalog';
import { CatalogItemInvalidError } from '../../../lambdas/catalog/catalog-errors';
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

it('in local mode, points the AWS CLI at the local cloud, whose endpoint `lifeboat local status` shows', async () => {
  const results = await checkCatalogPlans(summaries([preVault(0)]), ctx('local'));
  expect(results.map((r) => [r.verdict, r.name])).toEqual([
    ['ok', 'catalog plans'],
    ['warn', 'catalog item BACKUP#20261124T120000Z-0000aaaa'],
  ]);
  expect(results[1]?.fix).toBe(
    `AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER aws --endpoint-url <the dynamodb us-east-1 URL of lifeboat local status --data-dir /tmp/lb-data> ` +
      `dynamodb delete-item --region us-east-1 --table-name lifeboat-dev-catalog --key '{"pk":{"S":"BACKUP#20261124T120000Z-0000aaaa"},"sk":{"S":"BACKUP"}}'`,
  );
});

it('names a damaged record that may be held, and folds items beyond the first few into one line', async () => {
  const held: InvalidBackupItem = { key: { pk: 'BACKUP#b-9', sk: 'BACKUP' }, backupId: 'b-9', preVault: false, mayBeHeld: true, forgotten: false, snapshotIds: [], error: new CatalogItemInvalidError('lifeboat-dev-catalog', 'BACKUP#b-9 / BACKUP', ['status: bad']) };
  const many = [held, ...Array.from({ length: INVALID_ITEM_LINES + 2 }, (_, i) => preVault(i))];
  const results = await checkCatalogPlans(summaries(many), ctx('aws'));
  expect(results).toHaveLength(1 + INVALID_ITEM_LINES + 1);
  expect(results[1]).toEqual({
    name: 'catalog item BACKUP#b-9',
    verdict: 'warn',
    detail:
      'Catalog item BACKUP#b-9 / BACKUP in table lifeboat-dev-catalog is not a valid backup record: status: bad. Fix or delete the item (the vault keeps the backup itself), or upgrade Lifeboat if a newer version wrote it. ' +
      'Listings, retention and replication pass over it; it has a legal hold, so `lifeboat backups release` of any other backup refuses until the item is fixed or deleted',
    fix: `correct the item, or delete it (aws dynamodb delete-item --region us-east-1 --table-name lifeboat-dev-catalog --key '{"pk":{"S":"BACKUP#b-9"},"sk":{"S":"BACKUP"}}') and run ${ctx('aws').lifeboat('catalog rebuild --vault primary')} to write it again from the vault`,
  });
  expect(results.at(-1)).toEqual({
    name: 'catalog items',
    verdict: 'warn',
    detail: '3 more backup record(s) are not valid',
    fix: "the same for each; those from before the vault are what aws dynamodb scan --region us-east-1 --table-name lifeboat-dev-catalog --index-name byPlan --filter-expression 'attribute_not_exists(sourceNames)' --projection-expression pk,sk lists",
  });
});
