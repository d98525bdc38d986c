import { type LegalHold } from '../../../../lambdas/catalog/backup-record';
import { keepingHolds } from '../../../../lambdas/retention/legal-hold';
import { catalogOnDynalite } from '../../../support/catalog-on-dynalite';

/**
 * Review r65Q F1: `lifeboat backups hold <id>` without --reason sets a held backup's hold again (its S3 legal holds) with
 * keepingHolds over the real catalog: its reason, by and at stay, where a reason given replaced a legal case's.
 */

const CASE_42: LegalHold = { reason: 'case 42', by: 'ann', at: '2026-04-01T00:00:00.000Z' };
const SCRUB: LegalHold = { reason: 'scrub: held again', by: 'bob', at: '2026-12-01T00:00:00.000Z' };
const RECORD = { backupId: 'b-1', plan: 'demo', environment: 'dev', sourceNames: ['demo-assets'], sources: [], strategy: 'full' as const, status: 'RUNNING' as const, startedAt: '2026-03-01T00:00:00.000Z', shardCount: 1 };

describe('the catalog, as DynamoDB runs it', () => {
  it('a kept hold leaves the reason, by and at a held record has, and writes the given hold where it has none', async () => {
    const { catalog, close } = await catalogOnDynalite();
    try {
      await catalog.createBackup(RECORD);
      await catalog.createBackup({ ...RECORD, backupId: 'b-2' });
      await catalog.setHold('b-1', CASE_42);
      expect((await keepingHolds(catalog).setHold('b-1', SCRUB)).hold).toEqual(CASE_42);
      expect((await catalog.requireBackup('b-1')).hold).toEqual(CASE_42);
      expect((await keepingHolds(catalog).setHold('b-2', SCRUB)).hold).toEqual(SCRUB);
    } finally {
      await close();
    }
  });
});

