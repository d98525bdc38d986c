import * as path from 'node:path';
import { type BackupHead } from '../../../../lambdas/catalog/backup-catalog';
import { type ScrubRunRecord } from '../../../../lambdas/catalog/scrub-record';
import { VaultMissingError } from '../../../../lambdas/replication/absent-vault';
import { runScrubRunbook } from '../../../../lambdas/replication/scrub-runbook';
import { type VaultSide } from '../../../../lambdas/runtime/runtime-config';
import { type Vault, VaultNotFoundError } from '../../../../vault';
import { scrubVaultPair, type VaultPair } from '../../../support/scrub-vault-pair';
import { removeDir, tempDir } from '../../../support/vault-test-helpers';

/**
 * Review 43c F1: the scheduled scrub took "no primary vault" for a fresh environment, and recorded CLEAN every day while
 * the primary vault had been emptied and the DR vault held every backup. "Nothing to scrub yet" is now a run where
 * neither vault exists and neither region's catalog records a backup stored in its vault; anything else fails the run.
 */

let dir: string;
let pair: VaultPair;
let runs: ScrubRunRecord[];

beforeEach(async () => {
  dir = await tempDir('scrub-emptied');
  pair = await scrubVaultPair(path.join(dir, 'src'));
  runs = [];
});
afterEach(async () => removeDir(dir));

const emptied = (side: VaultSide) => new VaultNotFoundError(`s3://lifeboat-dev-vault-${side} holds no vault (no config object)`);
const head = (backupId: string, copied: boolean): BackupHead => ({ backupId, plan: 'daily', status: 'COMMITTED', startedAt: '2026-11-29T03:00:00Z', copies: { primary: 'COMMITTED', dr: copied ? 'COMMITTED' : 'PENDING' } });

function deps(open: Partial<Record<VaultSide, Vault | Error>>, recorded: Partial<Record<VaultSide, BackupHead>> = {}) {
  return {
    environment: 'dev',
    scrubLog: { latest: async () => runs.at(-1), record: async (run: ScrubRunRecord) => void runs.push(run) },
    openVault: async (side: VaultSide): Promise<Vault> => {
      const vault = open[side];
      if (vault === undefined || vault instanceof Error) throw vault ?? new Error(`${side} region is down`);
      return vault;
    },
    newestRecordedBackup: async (side: VaultSide) => recorded[side],
  };
}

const scheduled = { scope: 'both', fraction: 1, repair: true } as const;

it('the primary vault emptied while the DR vault holds the backups: the run fails, and no CLEAN run is recorded', async () => {
  const failure = await runScrubRunbook(scheduled, deps({ primary: emptied('primary'), dr: pair.dr }, { primary: head(pair.backupId, true), dr: head(pair.backupId, true) })).catch((err: unknown) => err);
  expect(failure).toBeInstanceOf(VaultMissingError);
  expect((failure as Error).message).toMatch(
    new RegExp(`^The primary vault does not exist \\(s3://lifeboat-dev-vault-primary holds no vault \\(no config object\\)\\), although its region's catalog records backups committed to it, the newest ${pair.backupId} \\(plan daily, started 2026-11-29T03:00:00Z\\)`),
  );
  expect(runs).toEqual([]);
  // No catalog to ask: the DR vault that exists is enough to fail it (the vault in scope does not open).
  const { newestRecordedBackup: _, ...withoutCatalog } = deps({ primary: emptied('primary'), dr: pair.dr });
  await expect(runScrubRunbook(scheduled, withoutCatalog)).rejects.toThrow(VaultNotFoundError);
  expect(runs).toEqual([]);
});

it('both vaults emptied: VaultMissingError when either catalog records a backup stored in its vault, nothing to scrub yet when neither does', async () => {
  const gone = { primary: emptied('primary'), dr: emptied('dr') };
  await expect(runScrubRunbook(scheduled, deps(gone, { primary: head('20261129T030000Z-00000007', false) }))).rejects.toMatchObject({
    name: 'VaultMissingError',
    message: expect.stringContaining('the newest 20261129T030000Z-00000007 (plan daily'),
  });
  await expect(runScrubRunbook(scheduled, deps(gone, { dr: head('20261129T030000Z-00000007', true) }))).rejects.toMatchObject({
    name: 'VaultMissingError',
    message: expect.stringMatching(/^The DR vault does not exist \(s3:\/\/lifeboat-dev-vault-dr holds no vault \(no config object\)\), although its region's catalog records backups copied to it/),
  });
  expect(runs).toEqual([]);
  // Neither catalog records one: a fresh environment, a CLEAN run of nothing, recorded.
  const summary = await runScrubRunbook(scheduled, deps(gone));
  expect(summary).toMatchObject({ outcome: 'CLEAN', objects: 0, notes: [expect.stringMatching(/^nothing to scrub yet: /)] });
  expect(runs).toHaveLength(1);
});

it('a primary vault in scope that does not exist: nothing to scrub yet only while its catalog records no backup, the DR region not answering (review 43f F1); a DR-only scrub reads the DR vault, saying the primary is missing', async () => {
  const drDown = { primary: emptied('primary'), dr: new Error('dr region is down') };
  await expect(runScrubRunbook({ ...scheduled, scope: 'primary' }, deps(drDown, { primary: head(pair.backupId, false) }))).rejects.toThrow(VaultMissingError);
  expect(runs).toEqual([]);
  const fresh = await runScrubRunbook({ ...scheduled, scope: 'primary' }, deps(drDown));
  expect(fresh).toMatchObject({ outcome: 'CLEAN', objects: 0, notes: [expect.stringMatching(/^nothing to scrub yet: /)] });
  runs.length = 0;
  // The DR vault present: one vault without the other is no fresh environment.
  await expect(runScrubRunbook({ ...scheduled, scope: 'primary' }, deps({ primary: emptied('primary'), dr: pair.dr }))).rejects.toThrow(VaultNotFoundError);
  expect(runs).toEqual([]);
  const summary = await runScrubRunbook({ ...scheduled, scope: 'dr' }, deps({ primary: emptied('primary'), dr: pair.dr }));
  expect(summary.outcome).toBe('CLEAN');
  expect(summary.read).toEqual({ dr: expect.any(Number) });
  expect(summary.notes).toEqual(['the primary vault cannot be opened (s3://lifeboat-dev-vault-primary holds no vault (no config object)); the dr vault was neither compared with it nor repaired from it']);
});
