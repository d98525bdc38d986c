import { printRebuildReport, printRebuildSummary } from '../../../cli/commands/catalog-commands';
import { type CatalogRebuildReport, type RebuiltBackup } from '../../../lambdas/catalog/catalog-rebuild';
import { type CatalogRebuildSummary } from '../../../lambdas/catalog/catalog-rebuild-summary';
import { DEFAULT_CONFIG_FILE } from '../../../config/load-config';
import { DEFAULT_DATA_DIR } from '../../../local/cloud/cloud-state';
import { capturedCliIo } from '../../support/captured-cli-io';

/**
 * `lifeboat catalog rebuild`'s DR copies line speaks of the records the rebuild created, the only ones
 * it gives a DR copy status: a rebuild that created none changed no record, and must not say the DR
 * copies are PENDING when every one is still COMMITTED (docs/RUNBOOKS.md, "DR copy status").
 */

/** A plain `lifeboat catalog rebuild`'s target options: the DR copies line does not depend on them. */
const LOCAL_DEV = { config: DEFAULT_CONFIG_FILE, env: 'dev', dataDir: DEFAULT_DATA_DIR };

const backup = (n: number, outcome: RebuiltBackup['outcome']): RebuiltBackup => ({ backupId: `20261205T13380${n}Z-0000000${n}`, plan: 'demo', outcome });

function report(backups: RebuiltBackup[], drCopies: CatalogRebuildReport['drCopies'] = 'checked-in-dr-vault'): CatalogRebuildReport {
  return { vault: 'primary', snapshots: backups.length * 3, untaggedSnapshots: 0, unreadableSnapshots: [], drCopies, backups, missingFromVault: [], progress: { complete: true } };
}

function drLine(out: string[]): string | undefined {
  return out.find((l) => l.startsWith('DR copies'));
}

it('a rebuild from the primary vault that created no record says the existing records kept their DR copy status, not PENDING', () => {
  const { out, io } = capturedCliIo();
  printRebuildReport(report([backup(1, 'unchanged'), backup(2, 'unchanged')]), io, LOCAL_DEV);
  expect(out[0]).toBe('Catalog rebuilt from the primary vault: 6 snapshots, 2 backups — 0 created, 0 updated, 2 unchanged, 0 kept, 0 skipped.');
  expect(drLine(out)).toBe('DR copies: no record was created; the 2 existing record(s) kept their DR copy status.');
  expect(out.join('\n')).not.toContain('PENDING');
});

it('names how many created records are PENDING, and that the others kept theirs', () => {
  const { out, io } = capturedCliIo();
  printRebuildReport(report([backup(1, 'created'), backup(2, 'created'), backup(3, 'unchanged'), backup(4, 'kept'), backup(5, 'skipped')]), io, LOCAL_DEV);
  expect(drLine(out)).toBe(
    "DR copies: PENDING for the 2 backup(s) created here (each plan's next Replicate step checks what the DR vault holds and records them). The 2 existing record(s) kept their DR copy status.",
  );
});

it('with only created records says nothing of existing ones; an unreached DR vault is unknown for those created', () => {
  const pending = capturedCliIo();
  printRebuildReport(report([backup(1, 'created')]), pending.io, LOCAL_DEV);
  expect(drLine(pending.out)).toBe("DR copies: PENDING for the 1 backup(s) created here (each plan's next Replicate step checks what the DR vault holds and records them).");
  const unknown = capturedCliIo();
  printRebuildReport(report([backup(1, 'created'), backup(2, 'unchanged')], 'unknown'), unknown.io, LOCAL_DEV);
  expect(drLine(unknown.out)).toBe("DR copies: unknown for the 1 backup(s) created here (the DR vault was not reached); the next backup's replication records them. The 1 existing record(s) kept their DR copy status.");
});

it('the runbook\'s summary (--runbook) prints the same line from its counts', () => {
  const summary: CatalogRebuildSummary = {
    vault: 'primary',
    snapshots: 6,
    untaggedSnapshots: 0,
    drCopies: 'checked-in-dr-vault',
    outcomes: { created: 0, updated: 0, unchanged: 2, kept: 0, skipped: 0 },
    leftOut: false,
    attention: [],
    unreadableSnapshots: [],
    missingFromVault: [],
    notListed: 0,
  };
  const { out, io } = capturedCliIo();
  printRebuildSummary(summary, io, { ...LOCAL_DEV, region: 'primary' });
  expect(drLine(out)).toBe('DR copies: no record was created; the 2 existing record(s) kept their DR copy status.');
});
