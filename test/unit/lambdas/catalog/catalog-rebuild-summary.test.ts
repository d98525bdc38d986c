import { type CatalogRebuildReport, HOLD_NOT_REBUILT, type RebuiltBackup } from '../../../../lambdas/catalog/catalog-rebuild';
import { LISTED_AT_MOST, summarizeRebuild } from '../../../../lambdas/catalog/catalog-rebuild-summary';
import { snapshotPresence } from '../../../../lambdas/catalog/snapshot-presence';
import { MemoryVaultStore } from '../../../../vault/backend/memory/memory-vault-store';
import { type VaultStore } from '../../../../vault/backend/vault-store';

/**
 * What the catalog-rebuild runbook returns (a summary that fits a state payload) and how it learns
 * which snapshots the DR vault holds (one listing). The rebuild itself: catalog-rebuild.test.ts.
 */

function report(backups: RebuiltBackup[], extra: Partial<CatalogRebuildReport> = {}): CatalogRebuildReport {
  return { vault: 'primary', snapshots: backups.length, untaggedSnapshots: 0, unreadableSnapshots: [], drCopies: 'checked-in-dr-vault', backups, missingFromVault: [], progress: { complete: true }, ...extra };
}

const created = (i: number): RebuiltBackup => ({ backupId: `b${String(i).padStart(5, '0')}`, plan: 'demo', outcome: 'created' });

it('counts every outcome and lists only the backups with something to say', () => {
  const derived: RebuiltBackup = { ...created(3), derived: ['startedAt (snapshot time minus its duration)'] };
  const skipped: RebuiltBackup = { backupId: 'b9', plan: 'demo', outcome: 'skipped', note: 'incomplete: no snapshot of files' };
  const summary = summarizeRebuild(report([created(1), created(2), derived, { backupId: 'b4', outcome: 'unchanged' }, skipped]));
  expect(summary).toEqual({
    vault: 'primary',
    snapshots: 5,
    untaggedSnapshots: 0,
    drCopies: 'checked-in-dr-vault',
    outcomes: { created: 3, updated: 0, unchanged: 1, kept: 0, skipped: 1 },
    leftOut: true,
    attention: [skipped, derived],
    unreadableSnapshots: [],
    missingFromVault: [],
    notListed: 0,
  });
  expect(summarizeRebuild(report([created(1)])).leftOut).toBe(false);
  expect(summarizeRebuild(report([created(1)]), { drProblem: 'down' }).drProblem).toBe('down');
});

// Audit c5-3: every created record lacks its legal hold; the summary says so once, not by listing every backup.
it('carries the rebuild\'s warnings, and lists no backup for the hold alone', () => {
  const holdOnly: RebuiltBackup = { ...created(1), unrecovered: [HOLD_NOT_REBUILT] };
  const more: RebuiltBackup = { ...created(2), unrecovered: ['trigger', HOLD_NOT_REBUILT] };
  const summary = summarizeRebuild(report([holdOnly, more], { warnings: ['legal holds are not rebuilt: …'] }));
  expect(summary.warnings).toEqual(['legal holds are not rebuilt: …']);
  expect(summary.attention).toEqual([more]);
  expect(summarizeRebuild(report([created(1)])).warnings).toBeUndefined();
});

it('lists at most LISTED_AT_MOST entries however large the vault, what was left out first, and counts the rest', () => {
  const derived = Array.from({ length: 5000 }, (_, i) => ({ ...created(i), unrecovered: ['trigger'] }));
  const skipped: RebuiltBackup = { backupId: 'zz', plan: 'demo', outcome: 'skipped', note: 'two snapshots of source files' };
  const missing = { backupId: 'm1', plan: 'demo', sources: [{ source: 'files', snapshotId: 'a'.repeat(64) }] };
  const summary = summarizeRebuild(report([...derived, skipped], { missingFromVault: [missing] }));
  expect(summary.missingFromVault).toEqual([missing]);
  expect(summary.attention[0]).toEqual(skipped);
  expect(summary.attention.length + summary.missingFromVault.length + summary.unreadableSnapshots.length).toBe(LISTED_AT_MOST);
  expect(summary.notListed).toBe(5002 - LISTED_AT_MOST);
  expect(summary.outcomes.created).toBe(5000);
  // Far within Step Functions' 256 KiB state payload.
  expect(Buffer.byteLength(JSON.stringify(summary))).toBeLessThan(64 * 1024);
});

it('knows the snapshots a vault holds from one listing of snapshots/, and says why when the listing fails', async () => {
  const store = new MemoryVaultStore();
  const id = 'b'.repeat(64);
  await store.put(`snapshots/${id}`, Buffer.from('x'));
  await store.put(`index/${'c'.repeat(64)}`, Buffer.from('x'));
  const presence = await snapshotPresence(store);
  expect(await presence.holds?.(id)).toBe(true);
  expect(await presence.holds?.('c'.repeat(64))).toBe(false);

  const unreachable = Object.assign(Object.create(store) as VaultStore, {
    location: 's3://dr-vault',
    list: () => ({ [Symbol.asyncIterator]: () => ({ next: () => Promise.reject(new Error('connect ECONNREFUSED')) }) }),
  });
  expect(await snapshotPresence(unreachable)).toEqual({ holds: null, problem: 'the snapshots of s3://dr-vault cannot be listed (connect ECONNREFUSED)' });
});
