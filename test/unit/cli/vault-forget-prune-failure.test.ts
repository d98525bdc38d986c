import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { vaultBackup, vaultInit, vaultLs } from '../../../cli/commands/vault-commands';
import { vaultForget } from '../../../cli/commands/vault-forget-command';
import { FileVaultStore } from '../../../vault/backend/file/file-vault-store';
import { openLocalVaultStore } from '../../../vault/backend/open-local-vault-store';
import { KeyFileKeyProvider } from '../../../vault/keys/key-file-key-provider';
import { PruneLease } from '../../../vault/prune/prune-lease';
import { openVault, type Vault } from '../../../vault/repository/vault';
import { manifestKey, PRUNE_LEASE_PREFIX, SNAPSHOTS_PREFIX } from '../../../vault/repository/vault-layout';
import { manifestObjectIds } from '../../../vault/manifest/manifest-root';
import { recordingCliIo } from '../../support/captured-cli-io';
import { pseudoRandomBytes, removeDir, tempDir } from '../../support/vault-test-helpers';

type ForgetJson = { dryRun: boolean; decisions: Array<{ snapshotId: string; forget: boolean }>; forgotten: string[]; locked: unknown[]; prune?: unknown; pruneError?: string };

/**
 * `lifeboat vault forget --prune` whose prune cannot run: what the prune would refuse for is found
 * before any snapshot is deleted, and the forget refuses as a whole; what fails only after the deletes
 * leaves the forget reported (decisions, "Forgot N", --json's `forgotten`) beside the prune's error.
 */
describe('lifeboat vault forget --prune when the prune cannot run', () => {
  let dir: string;
  let vault: string;
  let keyFile: string;
  /** Snapshot ids of the one directory, oldest first. */
  let ids: string[];

  const snapshotIds = async (): Promise<string[]> => {
    const io = recordingCliIo();
    expect(await vaultLs(undefined, { vault, keyFile }, { io })).toBe(0);
    return io.lines.map((l) => l.split(/\s+/)[0] as string).filter((id) => /^[0-9a-f]+$/.test(id));
  };
  const openTestVault = async (): Promise<Vault> => openVault(openLocalVaultStore(vault), await KeyFileKeyProvider.load(keyFile));
  /** A lease as a running prune (or one killed a moment ago) leaves it: live for its TTL, never renewed. */
  const otherPrunesLease = async (): Promise<PruneLease> => {
    const opened = await openTestVault();
    return PruneLease.acquire(opened.store, opened.keys, { holder: 'ops@laptop (pid 4873)', renewEveryMs: 0 });
  };
  const short = (id: string | undefined): string => (id as string).slice(0, 16);

  beforeEach(async () => {
    dir = await tempDir('vault-forget-prune-failure');
    vault = path.join(dir, 'vault');
    keyFile = path.join(dir, 'key');
    const src = path.join(dir, 'src');
    await fs.mkdir(src);
    expect(await vaultInit({ vault, keyFile }, { io: recordingCliIo() })).toBe(0);
    ids = [];
    for (let i = 0; i < 3; i++) {
      // Each backup replaces the file: the older snapshots hold data only they reference.
      await fs.rm(path.join(src, `v${i - 1}.bin`), { force: true });
      await fs.writeFile(path.join(src, `v${i}.bin`), pseudoRandomBytes(30_000, 40 + i));
      const out = recordingCliIo();
      expect(await vaultBackup(src, { vault, keyFile }, { io: out })).toBe(0);
      ids.push(out.lines[0] as string);
    }
  });
  afterEach(async () => removeDir(dir));

  it('forgets nothing while another prune holds the lease (a killed prune\'s included), says so and what to do, in text and --json, by rules and by name', async () => {
    const lease = await otherPrunesLease();
    for (const [refs, options] of [
      [[], { keepLast: '1' }],
      [[], { keepLast: '1', json: true }],
      [[short(ids[0])], {}],
    ] as const) {
      const io = recordingCliIo();
      expect(await vaultForget(refs, { vault, keyFile, prune: true, grace: '0', ...options }, { io })).toBe(1);
      expect(io.lines).toEqual([]);
      expect(io.errors).toEqual([
        expect.stringMatching(
          /^lifeboat vault: forget --prune forgot nothing: the prune it ends with cannot run now, so no snapshot was deleted\. The prune's reason: .*another prune of this vault is running \(ops@laptop \(pid 4873\), since .*its lease ends by itself at .* Once that is resolved, run this forget again; or forget now without --prune and run `lifeboat vault prune` later\.$/,
        ),
      ]);
      expect((await snapshotIds()).sort()).toEqual(ids.map(short).sort());
    }

    // Once that prune ends, the same command forgets and prunes.
    await lease.release();
    const io = recordingCliIo();
    expect(await vaultForget([], { vault, keyFile, keepLast: '1', prune: true, grace: '0' }, { io })).toBe(0);
    expect(io.lines).toContain('Forgot 2 snapshot(s).');
    expect(io.errors).toEqual([]);
    expect(await snapshotIds()).toEqual([short(ids[2])]);
  });

  it('forgets nothing when the index is incomplete, and names the prune\'s way out', async () => {
    for (const name of await fs.readdir(path.join(vault, 'index'))) await fs.rm(path.join(vault, 'index', name), { recursive: true });
    const io = recordingCliIo();
    expect(await vaultForget([], { vault, keyFile, keepLast: '1', prune: true }, { io })).toBe(1);
    expect(io.lines).toEqual([]);
    // A reason that stops every prune (stopsEveryPrune): "prune later" would fail alike, so it is not offered (review r58H F5).
    expect(io.errors).toEqual([expect.stringMatching(/^lifeboat vault: forget --prune forgot nothing: .*blob\(s\) that snapshots reference are listed by no index object .*run `lifeboat vault repair index`.*\. Once that is resolved, run this forget again\.$/)]);
    expect((await snapshotIds()).sort()).toEqual(ids.map(short).sort());
  });

  it('forgets nothing on a damaged condemnation batch: the reason ends with a full stop, and no prune later is offered (review r58H F5)', async () => {
    const batch = path.join(vault, 'prune', 'condemned', 'ab'.repeat(32));
    await fs.mkdir(path.dirname(batch), { recursive: true });
    await fs.writeFile(batch, pseudoRandomBytes(200, 9));
    const io = recordingCliIo();
    expect(await vaultForget([], { vault, keyFile, keepLast: '1', prune: true }, { io })).toBe(1);
    expect(io.errors).toEqual([
      expect.stringMatching(/^lifeboat vault: forget --prune forgot nothing: .* every backup and every prune of this vault stops on this condemnation batch .*"A damaged prune state"\. Once that is resolved, run this forget again\.$/),
    ]);
    expect((await snapshotIds()).sort()).toEqual(ids.map(short).sort());
  });

  it('forgets nothing when a snapshot object is unreadable, and offers no prune later, which would stop on it alike (review r59B F5)', async () => {
    const snapshots = path.join(vault, 'snapshots');
    const names = (await fs.readdir(snapshots, { recursive: true })).map(String);
    const object = path.join(snapshots, names.find((n) => n.includes(short(ids[2]))) as string);
    const bytes = await fs.readFile(object);
    bytes.writeUInt8((bytes.at(-5) as number) ^ 0xff, bytes.length - 5);
    await fs.writeFile(object, bytes);
    const io = recordingCliIo();
    expect(await vaultForget([short(ids[0])], { vault, keyFile, prune: true, grace: '0' }, { io })).toBe(1);
    expect(io.errors).toEqual([expect.stringMatching(/^lifeboat vault: forget --prune forgot nothing: .*prune stops: snapshots\/.* cannot be read .*what it references is unknown\. Run `lifeboat vault verify` and repair or delete it first\. Once that is resolved, run this forget again\.$/)]);
    // Nothing forgotten: the two that read are listed still (ls leaves the corrupt one out).
    expect((await snapshotIds()).sort()).toEqual([short(ids[0]), short(ids[1])].sort());
  });

  it('when a prune takes the lease after the check, prints the decisions and what was forgotten, then the prune\'s error, and exits 1', async () => {
    const del = FileVaultStore.prototype.delete;
    let raced = false;
    // The other prune starts right after this forget deleted its first snapshot.
    const spy = jest.spyOn(FileVaultStore.prototype, 'delete').mockImplementation(async function (this: FileVaultStore, key: string) {
      await del.call(this, key);
      if (key.startsWith(SNAPSHOTS_PREFIX) && !raced) {
        raced = true;
        await otherPrunesLease();
      }
    });
    const io = recordingCliIo();
    try {
      expect(await vaultForget([], { vault, keyFile, keepLast: '1', prune: true, grace: '0' }, { io })).toBe(1);
    } finally {
      spy.mockRestore();
    }
    expect(io.lines.filter((l) => l.startsWith('forget ')).map((l) => l.split(/\s+/)[1])).toEqual([ids[1], ids[0]].map((id) => (id as string).slice(0, 12)));
    expect(io.lines.filter((l) => l.startsWith('keep ')).map((l) => l.split(/\s+/)[1])).toEqual([(ids[2] as string).slice(0, 12)]);
    expect(io.lines.at(-1)).toBe('Forgot 2 snapshot(s). Their data stays until `lifeboat vault prune` reclaims what no snapshot references.');
    expect(io.errors).toEqual([
      expect.stringMatching(/^lifeboat vault: forgot 2 snapshot\(s\) \(listed above\), but the prune did not run or did not finish: .*another prune of this vault is running \(ops@laptop \(pid 4873\).* Run `lifeboat vault prune` later to reclaim their data\.$/),
    ]);
    expect(await snapshotIds()).toEqual([short(ids[2])]);
  });

  it('when an object every prune needs goes missing after the check, says to resolve it first rather than to prune later (audit a58B F4)', async () => {
    const opened = await openTestVault();
    const kept = await opened.loadSnapshot(ids[2] as string);
    let page: string | undefined;
    for await (const id of manifestObjectIds(opened.store, opened.keys, kept.manifest)) if (id !== kept.manifest) page ??= id;
    const del = FileVaultStore.prototype.delete;
    let lost = false;
    // A page of the snapshot kept is lost right after this forget deleted its first snapshot (a disk, a hand).
    const spy = jest.spyOn(FileVaultStore.prototype, 'delete').mockImplementation(async function (this: FileVaultStore, key: string) {
      await del.call(this, key);
      if (key.startsWith(SNAPSHOTS_PREFIX) && !lost) {
        lost = true;
        await del.call(this, manifestKey(page as string));
      }
    });
    const io = recordingCliIo();
    try {
      expect(await vaultForget([], { vault, keyFile, keepLast: '1', prune: true }, { io })).toBe(1);
    } finally {
      spy.mockRestore();
    }
    expect(io.errors).toEqual([
      expect.stringMatching(
        new RegExp(
          `^lifeboat vault: forgot 2 snapshot\\(s\\) \\(listed above\\), but the prune did not run or did not finish: .*prune stops: manifest/${page} does not exist, and snapshot ${ids[2]} needs it .*forget the snapshot .* Then prune again\\. Their data stays until a prune runs, and every prune stops there until that is resolved: do what the prune's reason says first, then run \`lifeboat vault prune\`\\.$`,
        ),
      ),
    ]);
  });

  it('when the store fails the prune after the deletes, --json still prints the decisions, the forgotten ids and pruneError', async () => {
    const put = FileVaultStore.prototype.put;
    const spy = jest.spyOn(FileVaultStore.prototype, 'put').mockImplementation(async function (this: FileVaultStore, key: string, body: Uint8Array) {
      if (key.startsWith(PRUNE_LEASE_PREFIX)) throw new Error(`EIO: i/o error, write '${key}'`);
      return put.call(this, key, body);
    });
    const io = recordingCliIo();
    try {
      expect(await vaultForget([], { vault, keyFile, keepLast: '1', prune: true, json: true }, { io })).toBe(1);
    } finally {
      spy.mockRestore();
    }
    const shown = JSON.parse(io.lines.join('\n')) as ForgetJson;
    expect(shown.dryRun).toBe(false);
    expect(shown.forgotten.sort()).toEqual([ids[0], ids[1]].sort());
    expect(shown.decisions.map((d) => [d.snapshotId, d.forget])).toEqual([
      [ids[2], false],
      [ids[1], true],
      [ids[0], true],
    ]);
    expect(shown.pruneError).toMatch(/^EIO: i\/o error, write 'prune\/running\/[0-9a-f]{64}'$/);
    expect(shown.prune).toBeUndefined();
    expect(io.errors).toEqual([expect.stringMatching(/^lifeboat vault: forgot 2 snapshot\(s\) \(`forgotten` on stdout\), but the prune did not run or did not finish: EIO: .*'\. Run `lifeboat vault prune` later to reclaim their data\.$/)]);
    expect(await snapshotIds()).toEqual([short(ids[2])]);
  });
});
