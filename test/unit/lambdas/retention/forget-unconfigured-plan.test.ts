import { type BackupRecord } from '../../../../lambdas/catalog/backup-record';
import { forgetBackups, type ForgetBackupsDeps } from '../../../../lambdas/retention/forget-backups';
import { UnconfiguredPlanError } from '../../../../lambdas/retention/unconfigured-plan-error';
import { InvalidInputError } from '../../../../lambdas/runtime/errors';

/**
 * Audit R19 F2, the core: a plan renamed in the config (`nightly` → `daily`) leaves 30 committed backups of
 * `nightly` in the catalog. Named with a policy, they are decided on as any plan's; named without one, the error
 * says how many there are; a policy is refused for a configured plan and without a plan. Dry runs: the vault is
 * never opened, only the decision is looked at.
 */

const NOW = new Date('2026-12-05T12:00:00Z');
const records: BackupRecord[] = Array.from({ length: 30 }, (_, i) => {
  const startedAt = new Date(NOW.getTime() - (i + 1) * 86_400_000).toISOString();
  return {
    backupId: `b${String(i).padStart(2, '0')}`, plan: 'nightly', environment: 'dev', sourceNames: ['assets'], strategy: 'incremental', status: 'COMMITTED', startedAt, endedAt: startedAt, shardCount: 1,
    sources: [{ name: 'assets', type: 's3', snapshotId: `${i}`.padStart(64, 'a'), rootHash: 'r', entries: 1, bytes: 1, bytesScanned: 1, bytesNew: 1, bytesStored: 1, blobsNew: 1 }],
    copies: { primary: 'COMMITTED' },
  };
});

function deps(vault: 'primary' | 'dr' = 'primary'): ForgetBackupsDeps {
  return {
    vault,
    catalog: {
      listBackupsOfPlan: (plan) => Promise.resolve(plan === 'nightly' ? records : []),
      getBackup: () => Promise.reject(new Error('not reached in a dry run')),
      claimForgetting: () => Promise.reject(new Error('not reached in a dry run')),
      releaseForgetting: () => Promise.reject(new Error('not reached in a dry run')),
      markForgotten: () => Promise.reject(new Error('not reached in a dry run')),
    },
    snapshotArrivals: () => Promise.resolve(new Map(records.map((r) => [r.sources[0]?.snapshotId ?? '', new Date(r.startedAt)]))),
    openVault: () => Promise.reject(new Error('not reached in a dry run')),
    plans: [{ name: 'daily', retention: { keepLast: 7 } }],
    now: NOW,
  };
}

it('decides on a plan not in the config with the policy given, in either vault, as it would had the plan kept its name', async () => {
  for (const vault of ['primary', 'dr'] as const) {
    const report = await forgetBackups({ plan: 'nightly', policy: { keepLast: 7 }, dryRun: true }, deps(vault));
    expect(report.plans.map((p) => [p.plan, p.policy, p.decisions.filter((d) => d.keep).map((d) => d.backupId), p.forgotten.length])).toEqual([
      ['nightly', { keepLast: 7 }, ['b00', 'b01', 'b02', 'b03', 'b04', 'b05', 'b06'], 23],
    ]);
  }
});

it('refuses a plan not in the config without a policy, saying how many backups the catalog holds of it', async () => {
  const run = forgetBackups({ plan: 'nightly', dryRun: true }, deps());
  await expect(run).rejects.toThrow(UnconfiguredPlanError);
  await expect(run).rejects.toMatchObject({ plan: 'nightly', backups: 30, configuredPlans: ['daily'] });
  await expect(run).rejects.toThrow('the catalog holds 30 backup(s) of plan "nightly", which is not in this environment\'s config (its plans: daily), so no retention policy applies to them');
});

it('refuses a policy for a configured plan, and a policy without a plan', async () => {
  await expect(forgetBackups({ plan: 'daily', policy: { keepLast: 1 }, dryRun: true }, deps())).rejects.toThrow(
    'Invalid forget request: policy: plan "daily" is in this environment\'s config, whose policy ({"keepLast":7}) every forget applies',
  );
  await expect(forgetBackups({ policy: { keepLast: 1 }, dryRun: true }, deps())).rejects.toThrow(InvalidInputError);
});
