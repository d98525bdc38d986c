import { type BackupCatalog, type BackupHead, type BackupHeadRead } from '../../../../lambdas/catalog/backup-catalog';
import { watchBackupAges } from '../../../../lambdas/operations/backup-age-watch';
import { capturedStdout } from '../../../support/captured-stdout';

/** A catalog that yields the plan's heads in the index's order: by the start's text, descending, as BACKUP#<startedAt>#id sorts. */
function catalogOf(heads: readonly BackupHead[]): Pick<BackupCatalog, 'newestBackupsOfPlan'> {
  const ordered = [...heads].sort((a, b) => (a.startedAt < b.startedAt ? 1 : a.startedAt > b.startedAt ? -1 : 0));
  return {
    async *newestBackupsOfPlan(): AsyncGenerator<BackupHeadRead> {
      for (const head of ordered) yield { head };
    },
  };
}

const NOW = new Date('2026-12-08T00:00:00.000Z');

async function watched(heads: readonly BackupHead[]): Promise<{ ages: Awaited<ReturnType<typeof watchBackupAges>>; warnings: string[]; lines: string[] }> {
  const warnings: string[] = [];
  let ages: Awaited<ReturnType<typeof watchBackupAges>> = [];
  const lines = await capturedStdout(async () => {
    ages = await watchBackupAges('prod', [{ name: 'p' }], { catalog: catalogOf(heads), now: () => NOW, warn: (m) => warnings.push(m) });
  });
  return { ages, warnings, lines };
}

describe('the backup age watch and a start that is not a time (review r64O F4)', () => {
  it('passes over the record, names it, and publishes the age of the real newest backup', async () => {
    const { ages, warnings, lines } = await watched([
      { backupId: 'real-newest', plan: 'p', startedAt: '2026-12-07T10:00:00.000Z', status: 'COMMITTED', copies: { primary: 'COMMITTED', dr: 'COMMITTED' } },
      // 'n' sorts after '2': the index reads it first.
      { backupId: 'hand\u001b[2Kedited', plan: 'p', startedAt: 'not a time', status: 'COMMITTED' },
    ]);
    expect(ages).toEqual([{ plan: 'p', lastCommittedAgeSeconds: 14 * 3600, lastCommittedBackupId: 'real-newest', lastReplicatedAgeSeconds: 14 * 3600 }]);
    expect(warnings).toEqual([
      'Backup age watch of plan "p" passed over backup hand\\u001b[2Kedited: its startedAt is not a time; the plan\'s age is measured from the other backups (fix the record\'s startedAt)',
    ]);
    expect(lines.join('\n')).toContain('"LastCommittedBackupAge":50400');
  });

  it('takes the newest by its instant, not by its text: among the records read, an offset start the index reads first is older', async () => {
    const { ages } = await watched([
      { backupId: 'utc', plan: 'p', startedAt: '2026-12-07T10:00:00.000Z', status: 'COMMITTED', copies: { primary: 'COMMITTED', dr: 'COMMITTED' } },
      // 09:00Z, though its text sorts after the one above.
      { backupId: 'offset', plan: 'p', startedAt: '2026-12-07T11:00:00+02:00', status: 'COMMITTED', copies: { primary: 'COMMITTED', dr: 'PENDING' } },
    ]);
    expect(ages).toEqual([{ plan: 'p', lastCommittedAgeSeconds: 14 * 3600, lastCommittedBackupId: 'utc', lastReplicatedAgeSeconds: 14 * 3600 }]);
  });
});

describe('the backup age watch reads past the first DR-copied record by a day of text (review r64U F2)', () => {
  it('takes an offset start newer as an instant that the index reads after the first DR-copied record', async () => {
    const { ages } = await watched([
      { backupId: 'utc', plan: 'p', startedAt: '2026-12-07T12:00:00.000Z', status: 'COMMITTED', copies: { primary: 'COMMITTED', dr: 'COMMITTED' } },
      // 21:50Z, though its text sorts after the one above: read only by reading past the first DR-copied record.
      { backupId: 'offset', plan: 'p', startedAt: '2026-12-07T11:50:00-10:00', status: 'COMMITTED', copies: { primary: 'COMMITTED', dr: 'COMMITTED' } },
    ]);
    expect(ages).toEqual([{ plan: 'p', lastCommittedAgeSeconds: 7800, lastCommittedBackupId: 'offset', lastReplicatedAgeSeconds: 7800 }]);
  });

  it('stops reading once the text is a day below the newest DR-copied start: a long history is not read', async () => {
    // Hourly DR-copied backups over 10 days, the newest at 2026-12-07T23:00Z.
    const heads: BackupHead[] = Array.from({ length: 240 }, (_, i) => ({
      backupId: `b${i}`,
      plan: 'p',
      startedAt: new Date(Date.parse('2026-12-07T23:00:00.000Z') - i * 3_600_000).toISOString(),
      status: 'COMMITTED' as const,
      copies: { primary: 'COMMITTED' as const, dr: 'COMMITTED' as const },
    }));
    let read = 0;
    const catalog: Pick<BackupCatalog, 'newestBackupsOfPlan'> = {
      async *newestBackupsOfPlan(): AsyncGenerator<BackupHeadRead> {
        for (const head of heads) {
          read++;
          yield { head };
        }
      },
    };
    let ages: Awaited<ReturnType<typeof watchBackupAges>> = [];
    await capturedStdout(async () => {
      ages = await watchBackupAges('prod', [{ name: 'p' }], { catalog, now: () => NOW, warn: () => undefined });
    });
    expect(ages).toEqual([{ plan: 'p', lastCommittedAgeSeconds: 3600, lastCommittedBackupId: 'b0', lastReplicatedAgeSeconds: 3600 }]);
    // The 25 records within the day (23:00Z back to 23:00Z the day before) and the first one below it, which ends the read.
    expect(read).toBe(26);
  });
});
