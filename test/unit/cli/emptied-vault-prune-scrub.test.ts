import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { type PruneAccess, pruneAccessOf, pruneCommand } from '../../../cli/commands/prune-command';
import { type EnvironmentAccess } from '../../../cli/environment-access';
import { type ScrubAccess, scrubCommand } from '../../../cli/commands/scrub-command';
import { type BackupHead } from '../../../lambdas/catalog/backup-catalog';
import { type PruneRunRecord } from '../../../lambdas/catalog/prune-record';
import { type ScrubRunRecord } from '../../../lambdas/catalog/scrub-record';
import { type VaultSide } from '../../../lambdas/runtime/runtime-config';
import { FileVaultStore } from '../../../vault/backend/file/file-vault-store';
import { KeyFileKeyProvider } from '../../../vault/keys/key-file-key-provider';
import { openVault } from '../../../vault/repository/vault';
import { type Vault, VaultError } from '../../../vault';
import { capturedCliIo } from '../../support/captured-cli-io';
import { SAMPLE_CONFIG_FILE } from '../../support/repo-root';
import { removeDir, tempDir } from '../../support/vault-test-helpers';

/**
 * Review 43c F1: `lifeboat prune` said "Nothing to prune yet" (exit 0) of a vault whose objects had all been deleted,
 * and `lifeboat scrub --vault primary` recorded CLEAN of an emptied primary vault while the DR region was down. A vault
 * that does not exist is "nothing yet" only while its region's catalog records no backup stored in it.
 */

const target = { config: SAMPLE_CONFIG_FILE, env: 'dev', dataDir: '/nonexistent' };
const NEWEST = '20261129T030000Z-00000007';
const recordedIn = (side: VaultSide): BackupHead => ({ backupId: NEWEST, plan: 'daily', status: 'COMMITTED', startedAt: '2026-11-29T03:00:00Z', copies: { primary: 'COMMITTED', dr: side === 'dr' ? 'COMMITTED' : 'PENDING' } });

let dir: string;
let keyFile: string;
const location = (side: VaultSide): string => path.join(dir, `vault-${side}`);

/** An emptied vault location: the engine's own VaultNotFoundError, as an emptied bucket answers. */
async function openEmptied(side: VaultSide): Promise<Vault> {
  return openVault(new FileVaultStore(location(side), { durable: false }), await KeyFileKeyProvider.load(keyFile));
}

beforeEach(async () => {
  dir = await tempDir('emptied-env-cli');
  keyFile = path.join(dir, 'key');
  await KeyFileKeyProvider.create(keyFile);
  await fs.mkdir(location('primary'));
  await fs.mkdir(location('dr'));
});
afterEach(async () => removeDir(dir));

describe('lifeboat prune of a vault that does not exist', () => {
  let records: PruneRunRecord[];
  const access = (recorded: Partial<Record<VaultSide, BackupHead>>): PruneAccess => ({
    environment: { name: 'dev' },
    openVault: openEmptied,
    pruneLogIn: () => ({ record: async (run) => void records.push(run) }),
    newestRecordedBackup: async (side) => recorded[side],
  });
  beforeEach(() => {
    records = [];
  });

  it.each(['primary', 'dr'] as const)('fails (exit 1) when the %s catalog records a backup stored in it, naming the newest; says "nothing yet" when it records none', async (side) => {
    const emptied = capturedCliIo();
    expect(await pruneCommand({ ...target, vault: side }, { io: emptied.io, access: access({ [side]: recordedIn(side) }) })).toBe(1);
    expect(emptied.out).toEqual([]);
    expect(emptied.err).toEqual([
      expect.stringMatching(
        new RegExp(`^lifeboat prune: The ${side === 'dr' ? 'DR' : 'primary'} vault does not exist \\(${location(side).replace(/[/\\^$.*+?()[\]{}|-]/g, '\\$&')} holds no vault \\(no config object\\)\\), although its region's catalog records backups ${side === 'dr' ? 'copied' : 'committed'} to it, the newest ${NEWEST} \\(plan daily, started 2026-11-29T03:00:00Z\\): its objects were deleted .*Do not run \`lifeboat vault init\` there`),
      ),
    ]);
    expect(records).toEqual([]);

    const fresh = capturedCliIo();
    expect(await pruneCommand({ ...target, vault: side }, { io: fresh.io, access: access({}) })).toBe(0);
    expect(fresh.out).toEqual([expect.stringMatching(/^Nothing to prune yet: /)]);
  });
});

// f60I: the command asked the catalog for the newest backup of the configured plans only, so an emptied vault whose
// recorded backups all belong to a plan removed from the config was "Nothing to prune yet" (exit 0). It reads the plans
// its check reads: the configured ones and every plan the catalog holds.
it.each(['primary', 'dr'] as const)('lifeboat prune fails (exit 1) on an emptied %s vault whose only recorded backups belong to a plan no longer in the config', async (side) => {
  const retired = { ...recordedIn(side), plan: 'retired' };
  const catalog = {
    recordedPlanNames: async () => ['retired'],
    async *newestBackupsOfPlan(plan: string) {
      if (plan === 'retired') yield await Promise.resolve({ head: retired });
    },
  };
  const environment = { name: 'dev', plans: [{ name: 'daily' }] };
  const access = pruneAccessOf({ environment, openVault: openEmptied, catalogIn: () => catalog } as unknown as EnvironmentAccess);
  const { out, err, io } = capturedCliIo();
  expect(await pruneCommand({ ...target, vault: side }, { io, access })).toBe(1);
  expect(out).toEqual([]);
  expect(err).toEqual([expect.stringMatching(new RegExp(`^lifeboat prune: The ${side === 'dr' ? 'DR' : 'primary'} vault does not exist .* the newest ${NEWEST} \\(plan retired, `))]);
});

describe('lifeboat scrub of a vault that does not exist', () => {
  let runs: ScrubRunRecord[];
  beforeEach(() => {
    runs = [];
  });
  const access = (openSide: (side: VaultSide) => Promise<Vault>, recorded: Partial<Record<VaultSide, BackupHead>> = {}): ScrubAccess => ({
    environment: { name: 'dev' },
    scrubLog: { latest: async () => runs.at(-1), record: async (run) => void runs.push(run) },
    openVault: openSide,
    newestRecordedBackup: async (side) => recorded[side],
  });
  const drDown = async (side: VaultSide): Promise<Vault> => (side === 'dr' ? Promise.reject(new VaultError('connect ECONNREFUSED (the DR region is down)')) : openEmptied(side));

  it('--vault primary with the DR region down: fails (exit 1) while the catalog records a backup in it; nothing to scrub yet when none does (review 43f F1)', async () => {
    const { out, err, io } = capturedCliIo();
    expect(await scrubCommand({ ...target, vault: 'primary' }, { io, access: access(drDown, { primary: recordedIn('primary') }) })).toBe(1);
    expect(out).toEqual([]);
    expect(err).toEqual([expect.stringMatching(new RegExp(`^lifeboat scrub: The primary vault does not exist .* the newest ${NEWEST} \\(plan daily`))]);
    expect(runs).toEqual([]);
    const fresh = capturedCliIo();
    expect(await scrubCommand({ ...target, vault: 'primary' }, { io: fresh.io, access: access(drDown) })).toBe(0);
    expect(fresh.out).toEqual([expect.stringMatching(/^Nothing to scrub yet: /)]);
  });

  it('both vaults emptied: fails with VaultMissingError while a catalog records backups in them; a CLEAN run of nothing when none does', async () => {
    const emptied = capturedCliIo();
    expect(await scrubCommand({ ...target }, { io: emptied.io, access: access(openEmptied, { primary: recordedIn('primary'), dr: recordedIn('dr') }) })).toBe(1);
    expect(emptied.err).toEqual([expect.stringMatching(new RegExp(`^lifeboat scrub: The primary vault does not exist .* the newest ${NEWEST} \\(plan daily`))]);
    expect(runs).toEqual([]);

    const fresh = capturedCliIo();
    expect(await scrubCommand({ ...target }, { io: fresh.io, access: access(openEmptied) })).toBe(0);
    expect(fresh.out).toEqual([expect.stringMatching(/^Nothing to scrub yet: /)]);
    expect(runs.map((r) => r.outcome)).toEqual(['CLEAN']);
  });
});
