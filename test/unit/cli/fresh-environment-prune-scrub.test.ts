import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { type CliIo } from '../../../cli/cli-io';
import { type PruneAccess, pruneCommand } from '../../../cli/commands/prune-command';
import { type ScrubAccess, scrubCommand } from '../../../cli/commands/scrub-command';
import { vaultLs, vaultPrune } from '../../../cli/commands/vault-commands';
import { type PruneRunRecord } from '../../../lambdas/catalog/prune-record';
import { type ScrubRunRecord } from '../../../lambdas/catalog/scrub-record';
import { type VaultSide } from '../../../lambdas/runtime/runtime-config';
import { FileVaultStore } from '../../../vault/backend/file/file-vault-store';
import { KeyFileKeyProvider } from '../../../vault/keys/key-file-key-provider';
import { openVault } from '../../../vault/repository/vault';
import { type Vault } from '../../../vault';
import { capturedCliIo } from '../../support/captured-cli-io';
import { SAMPLE_CONFIG_FILE } from '../../support/repo-root';
import { scrubVaultPair, type VaultPair } from '../../support/scrub-vault-pair';
import { removeDir, tempDir } from '../../support/vault-test-helpers';

/**
 * `lifeboat prune` and `lifeboat scrub` on an environment before its first backup (no vault yet: the
 * first backup's Plan step creates it): nothing to do, exit 0, and never the advice to run `lifeboat
 * vault init` there, whose vault the workflows could not open. `lifeboat vault …` on a bare location
 * keeps that advice. (The same on the local cloud, and the scheduled prune: test/e2e/workflows/fresh-environment-prune.test.ts.)
 */

const target = { config: SAMPLE_CONFIG_FILE, env: 'dev', dataDir: '/nonexistent' };

let dir: string;
let keyFile: string;
const location = (side: VaultSide): string => path.join(dir, `vault-${side}`);

/** Opens the real (empty) vault location of a side, as the environment's access does: the engine's own VaultNotFoundError. */
async function openEmpty(side: VaultSide): Promise<Vault> {
  return openVault(new FileVaultStore(location(side), { durable: false }), await KeyFileKeyProvider.load(keyFile));
}

beforeEach(async () => {
  dir = await tempDir('fresh-env-cli');
  keyFile = path.join(dir, 'key');
  await KeyFileKeyProvider.create(keyFile);
  await fs.mkdir(location('primary'));
  await fs.mkdir(location('dr'));
});
afterEach(async () => removeDir(dir));

describe('lifeboat prune before the first backup', () => {
  let records: PruneRunRecord[];
  let access: PruneAccess;
  beforeEach(() => {
    records = [];
    access = { environment: { name: 'dev' }, openVault: openEmpty, pruneLogIn: () => ({ record: async (run) => void records.push(run) }) };
  });

  it('says there is nothing to prune yet, records no run and exits 0 (a vault that lost its config still fails)', async () => {
    const { out, err, io } = capturedCliIo();
    expect(await pruneCommand({ ...target }, { io, access })).toBe(0);
    expect(out).toEqual([`Nothing to prune yet: no backup has run (the primary vault does not exist: ${location('primary')} holds no vault (no config object)).`]);
    expect(err).toEqual([]);
    expect(records).toEqual([]);

    // Vault objects without a config are a lost config, not a fresh environment: that still fails.
    await fs.mkdir(path.join(location('primary'), 'snapshots'));
    await fs.writeFile(path.join(location('primary'), 'snapshots', 'a'.repeat(64)), 'x');
    const lost = capturedCliIo();
    expect(await pruneCommand({ ...target }, { io: lost.io, access })).toBe(1);
    expect(lost.out).toEqual([]);
    expect(lost.err).toEqual([expect.stringMatching(/^lifeboat prune: .* holds vault objects \(snapshots\/…\) but no config object/)]);
  });

  it('--vault dr --json prints an empty report with the note', async () => {
    const { out, err, io } = capturedCliIo();
    expect(await pruneCommand({ ...target, vault: 'dr', json: true, dryRun: true }, { io, access })).toBe(0);
    expect(err).toEqual([]);
    expect(JSON.parse(out.join('\n'))).toMatchObject({
      vault: 'dr',
      dryRun: true,
      snapshots: 0,
      packsDeleted: 0,
      bytesFreed: 0,
      packsCondemned: 0,
      locked: [],
      note: `nothing to prune yet: no backup has been copied to the DR vault yet (it does not exist: ${location('dr')} holds no vault (no config object))`,
    });
    expect(records).toEqual([]);
  });
});

describe('lifeboat scrub before the first backup', () => {
  let runs: ScrubRunRecord[];
  let access: ScrubAccess;
  beforeEach(() => {
    runs = [];
    access = { environment: { name: 'dev' }, scrubLog: { latest: async () => runs.at(-1), record: async (run) => void runs.push(run) }, openVault: openEmpty };
  });

  it('says there is nothing to scrub yet, records a CLEAN run of no objects and exits 0', async () => {
    const { out, err, io } = capturedCliIo();
    expect(await scrubCommand({ ...target }, { io, access })).toBe(0);
    expect(out).toEqual([`Nothing to scrub yet: the primary vault does not exist, so no backup has run (${location('primary')} holds no vault (no config object)).`]);
    expect(err).toEqual([]);
    expect(runs).toEqual([expect.objectContaining({ environment: 'dev', scope: 'both', outcome: 'CLEAN', objects: 0, cursor: { cycle: 1, after: null }, nextCursor: { cycle: 1, after: null } })]);
  });

  it('--vault primary --json prints the empty report with the note', async () => {
    const { out, io } = capturedCliIo();
    expect(await scrubCommand({ ...target, vault: 'primary', json: true }, { io, access })).toBe(0);
    expect(JSON.parse(out.join('\n'))).toMatchObject({ scope: 'primary', objects: 0, ok: true, outcome: 'CLEAN', recorded: true, notes: [expect.stringMatching(/^nothing to scrub yet: the primary vault does not exist/)] });
  });

  describe('with one vault of the pair', () => {
    let pair: VaultPair;
    beforeEach(async () => {
      pair = await scrubVaultPair(path.join(dir, 'src'));
    });

    it('fails when a vault in scope holds none while the other exists, without advising `vault init`', async () => {
      const noDr: ScrubAccess = { ...access, openVault: async (side) => (side === 'primary' ? pair.primary : openEmpty('dr')) };
      const { err, io } = capturedCliIo();
      expect(await scrubCommand({ ...target }, { io, access: noDr })).toBe(1);
      expect(err).toEqual([`lifeboat scrub: ${location('dr')} holds no vault (no config object)`]);
      expect(runs).toEqual([]);
    });

    it('scrubs the DR vault alone when only the primary holds none (not a fresh environment)', async () => {
      const noPrimary: ScrubAccess = { ...access, openVault: async (side) => (side === 'dr' ? pair.dr : openEmpty('primary')) };
      const { out, err, io } = capturedCliIo();
      expect(await scrubCommand({ ...target, vault: 'dr', fraction: '1' }, { io, access: noPrimary })).toBe(0);
      expect(err).toEqual([`note: the primary vault cannot be opened (${location('primary')} holds no vault (no config object)); the dr vault is neither compared with it nor repaired from it`]);
      expect(out[0]).toMatch(/^Scrubbed the dr vault: read and verified dr [1-9]\d* of [1-9]\d* objects/);
    });
  });
});

describe('lifeboat vault on a bare location keeps the `vault init` advice', () => {
  it.each([
    ['ls', (io: CliIo) => vaultLs(undefined, { vault: location('primary'), keyFile }, { io })],
    ['prune', (io: CliIo) => vaultPrune({ vault: location('primary'), keyFile }, { io })],
  ])('vault %s', async (_name, run) => {
    const { err, io } = capturedCliIo();
    expect(await run(io)).toBe(1);
    expect(err).toEqual([`lifeboat vault: ${location('primary')} holds no vault (no config object); create one with \`lifeboat vault init\``]);
  });
});
