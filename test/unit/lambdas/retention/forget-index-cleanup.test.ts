import { forgetBackups, type ForgetBackupsDeps } from '../../../../lambdas/retention/forget-backups';

/**
 * Review 42f: the one-time removal of old index items ran after each plan with a share of its own (plans × 2,000
 * backups in one 5-minute Forget step), and its failure (a refused DeleteItem) failed the whole run. It now runs after
 * every plan's retention, with one share across all plans, and is best effort: a problem is reported, not thrown.
 */
it('removes old index items within one budget across all plans, after the retention decisions, and reports a failure instead of throwing', async () => {
  const asked: [string, number][] = [];
  const left: Record<string, number> = { a: 1500, b: 1500, c: 10 };
  const deps: ForgetBackupsDeps = {
    vault: 'primary',
    catalog: {
      listBackupsOfPlan: () => Promise.resolve([]),
      getBackup: () => Promise.resolve(undefined),
      claimForgetting: () => Promise.resolve(false),
      releaseForgetting: () => Promise.resolve(false),
      markForgotten: () => Promise.resolve(false),
      removeForgottenIndexItems: (plan: string, max?: number) => {
        asked.push([plan, max ?? Infinity]);
        if (plan === 'b') return Promise.reject(Object.assign(new Error('User is not authorized to perform: dynamodb:DeleteItem'), { name: 'AccessDeniedException' }));
        const records = Math.min(left[plan] ?? 0, max ?? Infinity);
        left[plan] = (left[plan] ?? 0) - records;
        return Promise.resolve({ records, done: left[plan] === 0 });
      },
    },
    snapshotArrivals: () => Promise.resolve(new Map()),
    openVault: () => Promise.reject(new Error('nothing to delete')),
    plans: ['a', 'b', 'c'].map((name) => ({ name, retention: { keepLast: 1 } })),
    now: new Date('2026-12-05T12:00:00Z'),
  };
  const report = await forgetBackups({}, deps);
  expect(report.plans.map((p) => p.plan)).toEqual(['a', 'b', 'c']);
  // 1,500 of plan a, then b fails, then c gets the 500 left of the run's 2,000.
  expect(asked).toEqual([
    ['a', 2000],
    ['b', 500],
    ['c', 500],
  ]);
  expect(report.indexCleanupProblems).toEqual([expect.stringMatching(/^plan b: the index items of backups forgotten earlier could not be removed \(User is not authorized to perform: dynamodb:DeleteItem\)/)]);
  // A dry run removes nothing.
  asked.length = 0;
  await forgetBackups({ dryRun: true }, deps);
  expect(asked).toEqual([]);
});
