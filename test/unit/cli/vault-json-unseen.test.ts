import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { vaultBackup, vaultInit, vaultLs, vaultPrune, vaultRepairIndex, vaultRepairPruneState, vaultVerify } from '../../../cli/commands/vault-commands';
import { Vault } from '../../../vault/repository/vault';
import { recordingCliIo } from '../../support/captured-cli-io';
import { removeDir, tempDir } from '../../support/vault-test-helpers';

/** C1 controls (U+0085, U+009B: CSI), a bidi override and the JSON-legal line separators, which JSON.stringify leaves raw. */
const UNSEEN = /[\u0080-\u009f\u202e\u2028\u2029]/;
const WEIRD = 'a\u009b31m\u202eb\u2028c\u0085';

/**
 * f64W: `vault ls --json` (snapshots and entries) and `vault verify --json` wrote a name's C1 controls, bidi overrides
 * and U+2028 raw to stdout, as forget and restore --json no longer do: each is \uXXXX, and the JSON reads back the same.
 */
describe('lifeboat vault ls/verify --json', () => {
  let dir: string;
  let vault: string;
  let keyFile: string;
  let source: string;
  beforeAll(async () => {
    dir = await tempDir('vault-json-unseen');
    vault = path.join(dir, 'vault');
    keyFile = path.join(dir, 'key');
    source = path.join(dir, 'src');
    await fs.mkdir(source);
    await fs.writeFile(path.join(source, `${WEIRD}.txt`), 'named oddly');
    expect(await vaultInit({ vault, keyFile }, { io: recordingCliIo() })).toBe(0);
    expect(await vaultBackup(source, { vault, keyFile }, { io: recordingCliIo() })).toBe(0);
  });
  afterAll(async () => {
    await removeDir(dir);
  });

  it('vault ls --json writes the snapshots\' and the entries\' unseen characters escaped, reading back equal', async () => {
    const list = Vault.prototype.listSnapshots;
    const listed = jest.spyOn(Vault.prototype, 'listSnapshots').mockImplementation(async function (this: Vault) {
      return (await list.call(this)).map((s) => ({ ...s, hostname: `host${WEIRD}`, tags: [WEIRD] }));
    });
    try {
      const snapshots = recordingCliIo();
      expect(await vaultLs(undefined, { vault, keyFile, json: true }, { io: snapshots })).toBe(0);
      const out = snapshots.lines.join('\n');
      expect(out).not.toMatch(UNSEEN);
      expect((JSON.parse(out) as Array<{ hostname: string; tags: string[] }>).map((s) => [s.hostname, s.tags])).toEqual([[`host${WEIRD}`, [WEIRD]]]);
    } finally {
      listed.mockRestore();
    }
    const entries = recordingCliIo();
    expect(await vaultLs('latest', { vault, keyFile, json: true }, { io: entries })).toBe(0);
    for (const line of entries.lines) expect(line).not.toMatch(UNSEEN);
    expect(entries.lines.map((l) => (JSON.parse(l) as { path: string }).path)).toContain(`${WEIRD}.txt`);
  });

  it('vault verify --json writes a left temporary file\'s unseen characters escaped, reading back equal', async () => {
    const stray = `snapshots/.tmp-${WEIRD}`;
    await fs.writeFile(path.join(vault, stray), 'not a snapshot');
    try {
      const io = recordingCliIo();
      await vaultVerify({ vault, keyFile, json: true }, { io });
      const out = io.lines.join('\n');
      expect(out).not.toMatch(UNSEEN);
      expect((JSON.parse(out) as { unreferenced: Array<{ key: string }> }).unreferenced.map((o) => o.key)).toEqual([stray]);
    } finally {
      await fs.rm(path.join(vault, stray));
    }
  });

  // Review r64R F2: `vault repair index --json` and `vault repair prune-state --json` wrote the vault's location (a
  // directory any name can be) raw, and `vault prune --json` its report's keys and damage messages.
  it('vault prune, repair index and repair prune-state --json write a vault location\'s unseen characters escaped', async () => {
    const oddVault = path.join(dir, `vault${WEIRD}`);
    expect(await vaultInit({ vault: oddVault, keyFile }, { io: recordingCliIo() })).toBe(0);
    expect(await vaultBackup(source, { vault: oddVault, keyFile }, { io: recordingCliIo() })).toBe(0);
    const prune = recordingCliIo();
    expect(await vaultPrune({ vault: oddVault, keyFile, json: true }, { io: prune })).toBe(0);
    expect(prune.lines.join('\n')).not.toMatch(UNSEEN);
    for (const repair of [vaultRepairIndex, vaultRepairPruneState]) {
      const io = recordingCliIo();
      expect(await repair({ vault: oddVault, keyFile, json: true }, { io })).toBe(0);
      const out = io.lines.join('\n');
      expect(out).not.toMatch(UNSEEN);
      expect((JSON.parse(out) as { vault: string }).vault).toBe(oddVault);
    }
  });
});
