import { type FailoverStart } from '../../../../lambdas/failover/failover-start';
import { testPlan } from '../../../support/test-plans';

/** Plan "trio": two buckets and a table. */
export const TRIO_PLAN = testPlan({
  name: 'trio',
  sources: [
    { type: 's3', name: 'trio-a', bucket: 'lifeboat-au-trio-a' },
    { type: 's3', name: 'trio-b', bucket: 'lifeboat-au-trio-b' },
    { type: 'dynamodb', name: 'trio-t', table: 'lifeboat-au-trio-t' },
  ],
});
export const TRIO_BACKUP = '20261205T100000Z-1a2b3c4d';

/** Failover f-1's restore of `source` from the DR vault's copy of TRIO_BACKUP into `target`, without overwrite. */
export function failoverRestore(source: string, target: FailoverStart['restores'][number]['request']['target']): FailoverStart['restores'][number] {
  return { restoreId: `f-1-${source}`, request: { source, backupId: TRIO_BACKUP, target, overwrite: false, vault: 'dr' } };
}

/** Failover f-1 of plan trio as its Start step leaves it: TRIO_BACKUP, each source into its "-cli" target. */
export const TRIO_FAILOVER: FailoverStart = {
  failoverId: 'f-1',
  plan: 'trio',
  startedAt: '2026-12-05T12:00:00.000Z',
  backup: { backupId: TRIO_BACKUP, startedAt: '2026-12-05T10:00:00.000Z' },
  restores: [
    failoverRestore('trio-a', { type: 's3', bucket: 'lifeboat-au-restore-trio-a-cli', prefix: '' }),
    failoverRestore('trio-b', { type: 's3', bucket: 'lifeboat-au-restore-trio-b-cli', prefix: '' }),
    failoverRestore('trio-t', { type: 'dynamodb', table: 'lifeboat-au-restore-trio-t-cli' }),
  ],
};
