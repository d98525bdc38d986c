import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { replicateVault } from '../../../../lambdas/replication/replicate-vault';
import { backupDirectory } from '../../../../vault/archiver/directory-source';
import { FileVaultStore } from '../../../../vault/backend/file/file-vault-store';
import { PassphraseKeyProvider } from '../../../../vault/keys/passphrase-key-provider';
import { restoreSnapshot } from '../../../../vault/restorer/restore';
import { openVault } from '../../../../vault/repository/vault';
import { KeyUnwrapError } from '../../../../vault/vault-errors';
import { newTestVault, pseudoRandomBytes, readTree, removeDir, tempDir } from '../../../support/vault-test-helpers';

const FAST_SCRYPT = { N: 1024, r: 8, p: 1 };

describe('replicateVault and a damaged DR key object', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await tempDir('replica-key-heal');
  });
  afterEach(async () => removeDir(dir));

  it('writes a fresh key object when the replica’s only one rotted, and the DR vault opens and restores again', async () => {
    const { vault: source } = await newTestVault(dir);
    const src = path.join(dir, 'src');
    await fs.mkdir(src);
    await fs.writeFile(path.join(src, 'a.bin'), pseudoRandomBytes(100_000, 7));
    const { snapshot } = await backupDirectory(source, src);
    const replicaRoot = path.join(dir, 'replica');
    const drKeys = new PassphraseKeyProvider('dr region key', FAST_SCRYPT);
    await replicateVault({ source, target: new FileVaultStore(replicaRoot, { durable: false }), targetKeys: drKeys });

    const [rotted] = await fs.readdir(path.join(replicaRoot, 'keys'));
    const file = path.join(replicaRoot, 'keys', rotted as string);
    const body = await fs.readFile(file);
    body.writeUInt8(body.readUInt8(20) ^ 1, 20);
    await fs.chmod(file, 0o600);
    await fs.writeFile(file, body);
    await expect(openVault(new FileVaultStore(replicaRoot), drKeys)).rejects.toThrow(KeyUnwrapError);

    const progress = await replicateVault({ source, target: new FileVaultStore(replicaRoot, { durable: false }), targetKeys: drKeys });
    expect(progress.complete).toBe(true);
    const keys = await fs.readdir(path.join(replicaRoot, 'keys'));
    expect(keys).toHaveLength(2);
    expect(keys).toContain(rotted);
    // Another process in the DR region opens the replica with its own key alone and restores byte for byte.
    const dr = await openVault(new FileVaultStore(replicaRoot), new PassphraseKeyProvider('dr region key', FAST_SCRYPT));
    expect(dr.config).toEqual(source.config);
    const out = path.join(dir, 'out');
    await restoreSnapshot(dr, await dr.resolveSnapshot(snapshot.id), out);
    expect(await readTree(out)).toEqual(await readTree(src));
  });
});
