import { catalogRebuildCommand, printRebuildReport } from '../../../cli/commands/catalog-commands';
import { type CatalogRebuildReport } from '../../../lambdas/catalog/catalog-rebuild';
import { SAMPLE_CONFIG_FILE } from '../../support/repo-root';

/** `lifeboat catalog rebuild`: the command line and the report as printed (the rebuild itself: test/unit/lambdas/catalog, end to end: test/e2e/workflows/backup-workflow.test.ts). */

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l) } };
}

it('refuses a vault other than primary or dr with exit 2, before reaching anything', async () => {
  const { err, io } = capture();
  expect(await catalogRebuildCommand({ config: SAMPLE_CONFIG_FILE, env: 'dev', dataDir: '/nonexistent', vault: 'replica' }, { io })).toBe(2);
  expect(err).toEqual(['lifeboat catalog rebuild: --vault must be primary or dr, got replica']);
});

it('prints what it did with each backup, and names on stderr what was left out and what to do', () => {
  const report: CatalogRebuildReport = {
    vault: 'primary',
    snapshots: 5,
    untaggedSnapshots: 1,
    unreadableSnapshots: [{ key: `snapshots/${'a'.repeat(64)}`, reason: 'it does not authenticate' }],
    drCopies: 'unknown',
    backups: [
      { backupId: '20260301T100000Z-00000001', plan: 'demo', outcome: 'created', derived: ['startedAt (snapshot time minus its duration, to about a millisecond)'], unrecovered: ['trigger'] },
      { backupId: '20260302T100000Z-00000002', plan: 'demo', outcome: 'skipped', note: 'incomplete: no snapshot of demo-orders in the primary vault' },
    ],
    missingFromVault: [{ backupId: '20260303T100000Z-00000003', plan: 'demo', sources: [{ source: 'demo-files', snapshotId: 'b'.repeat(64) }] }],
  };
  const { out, err, io } = capture();
  printRebuildReport(report, io);
  const printed = out.join('\n');
  expect(out[0]).toBe('Catalog rebuilt from the primary vault: 5 snapshots, 2 backups — 1 created, 0 updated, 0 unchanged, 0 kept, 1 skipped.');
  expect(printed).toMatch(/20260301T100000Z-00000001.*demo.*created.*derived: startedAt/);
  expect(printed).toContain('not recovered: trigger');
  expect(printed).toMatch(/20260302T100000Z-00000002.*skipped.*incomplete: no snapshot of demo-orders/);
  expect(printed).toContain('DR copies: unknown');
  expect(printed).toContain('1 snapshot(s) without a backupId tag');
  expect(err).toEqual([
    expect.stringContaining(`snapshot object snapshots/${'a'.repeat(64)} cannot be read and is skipped: it does not authenticate`),
    `backup 20260303T100000Z-00000003 (plan demo) is in the catalog but the primary vault lacks its snapshot of demo-files (${'b'.repeat(12)}); the record is left as it is: check it with \`lifeboat verify --backup 20260303T100000Z-00000003 --from dr\` and restore from the other vault.`,
  ]);
});
