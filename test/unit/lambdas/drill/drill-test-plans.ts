import { type ProtectionPlanConfig, protectionPlanSchema } from '../../../../config/lifeboat-config';
import { type BackupRecord } from '../../../../lambdas/catalog/backup-record';

/** Plans of the drill unit tests: one with a drill config, one without (the defaults apply). */
export const drilledPlan: ProtectionPlanConfig = protectionPlanSchema.parse({
  name: 'orders',
  schedule: 'rate(1 hour)',
  strategy: 'incremental',
  retention: { keepLast: 3 },
  objectives: { rpoMinutes: 120, rtoMinutes: 30 },
  sources: [
    { type: 's3', name: 'assets', bucket: 'prod-assets' },
    { type: 'dynamodb', name: 'orders-table', table: 'prod-orders' },
  ],
  drill: { schedule: 'rate(7 days)', selection: 'random-within-window', windowDays: 3, vault: 'primary', samples: 4 },
});

export const plainPlan: ProtectionPlanConfig = protectionPlanSchema.parse({
  name: 'files',
  schedule: 'rate(1 day)',
  strategy: 'full',
  retention: { keepLast: 3 },
  objectives: { rpoMinutes: 1440, rtoMinutes: 60 },
  sources: [{ type: 'filesystem', name: 'shared', path: '/mnt/shared' }],
});

/** A committed backup of `plan` started at `startedAt`, with its DR copy status. */
export function backupAt(plan: string, startedAt: string, options: { dr?: 'PENDING' | 'COMMITTED' | 'FAILED'; status?: BackupRecord['status']; id?: string } = {}): BackupRecord {
  const stamp = startedAt.replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return {
    backupId: options.id ?? `${stamp}-${Buffer.from(startedAt).toString('hex').slice(-8)}`,
    plan,
    environment: 'dev',
    sourceNames: ['assets'],
    sources: [{ name: 'assets', type: 's3', snapshotId: 'snap', rootHash: 'root', entries: 1, bytes: 1, bytesScanned: 1, bytesNew: 1, bytesStored: 1, blobsNew: 1 }],
    strategy: 'full',
    status: options.status ?? 'COMMITTED',
    startedAt,
    shardCount: 1,
    ...(options.status === undefined || options.status === 'COMMITTED' ? { copies: { primary: 'COMMITTED' as const, ...(options.dr ? { dr: options.dr } : {}) } } : {}),
  };
}
