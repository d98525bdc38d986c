import { mkdtempSync, rmSync } from 'node:fs';
import * as fs from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import { type LocalCloudHandle, localS3Client, startLocalCloud, stopLocalCloud } from '../../../../local/cloud';
import { backupDirectory } from '../../../../vault/archiver/directory-source';
import { KeyFileKeyProvider } from '../../../../vault/keys/key-file-key-provider';
import { readEntry } from '../../../../vault/restorer/restore';
import { S3VaultStore } from '../../../../vault/backend/s3/s3-vault-store';
import { initVault, openVault, type Vault } from '../../../../vault/repository/vault';
import { CONFIG_KEY, KEYS_PREFIX } from '../../../../vault/repository/vault-layout';
import { type VaultStore } from '../../../../vault/backend/vault-store';

/**
 * The first-use init race on the local cloud's S3. s3rver itself ignores If-None-Match on PutObject;
 * the local cloud's middleware (local/cloud/conditional-put.ts) answers 412 as S3 does, and
 * initVault's read-back of `config` is the second guard. These tests pin both.
 */
const REGION = 'us-east-1';
const BUCKET = 'vault-init-race';
const TUNING = { chunker: { minSize: 1024, avgSize: 4096, maxSize: 16384 }, packSize: 64 * 1024 } as const;

const dataDir = mkdtempSync(join(tmpdir(), 'lifeboat-init-race-'));
let cloud: LocalCloudHandle;
let client: S3Client;
let keyFile: string;

beforeAll(async () => {
  cloud = await startLocalCloud({ dataDir, regions: [REGION], exitWithParent: true });
  client = localS3Client(cloud.endpoints, REGION);
  await client.send(new CreateBucketCommand({ Bucket: BUCKET }));
  keyFile = join(dataDir, 'vault.key');
  await KeyFileKeyProvider.create(keyFile);
});

afterAll(async () => {
  client?.destroy();
  await stopLocalCloud(dataDir);
  rmSync(dataDir, { recursive: true, force: true });
});

const store = (prefix: string): S3VaultStore => new S3VaultStore({ client, bucket: BUCKET, prefix });

async function listKeys(s: VaultStore, prefix: string): Promise<string[]> {
  const out: string[] = [];
  for await (const k of s.list(prefix)) out.push(k);
  return out.sort();
}

/** A blob written through `writer` reads back through `reader`. */
async function expectSameVault(writer: Vault, reader: Vault): Promise<void> {
  expect(reader.config.id).toBe(writer.config.id);
  const src = await fs.mkdtemp(join(dataDir, 'src-'));
  const content = Buffer.from(`shared by both runs ${Math.random()} `.repeat(2000));
  await fs.writeFile(join(src, 'f.txt'), content);
  const { snapshot } = await backupDirectory(writer, src, { parent: null });
  await reader.reloadIndex(); // it may have loaded the index before this backup
  const parts: Buffer[] = [];
  for await (const b of readEntry(reader, await reader.resolveSnapshot(snapshot.id), 'f.txt')) parts.push(b);
  expect(Buffer.concat(parts).equals(content)).toBe(true);
}

describe('S3VaultStore.putIfAbsent on s3rver', () => {
  it('writes an absent object', async () => {
    const s = store('put-if-absent');
    expect(await s.putIfAbsent('config', Buffer.from('first'))).toBe(true);
    expect((await s.get('config')).toString()).toBe('first');
  });

  it('is exclusive, as on AWS: an existing key answers 412 and keeps its bytes (local/cloud/conditional-put.ts)', async () => {
    const s = store('put-if-absent-2');
    await s.put('config', Buffer.from('first'));
    expect(await s.putIfAbsent('config', Buffer.from('second'))).toBe(false);
    expect((await s.get('config')).toString()).toBe('first');
  });

  it('lets exactly one of many concurrent conditional writers of a key win', async () => {
    const s = store('put-if-absent-3');
    const won = await Promise.all(Array.from({ length: 8 }, (_, i) => s.putIfAbsent('config', Buffer.from(`writer ${i}`))));
    expect(won.filter(Boolean)).toHaveLength(1);
    expect((await s.get('config')).toString()).toBe(`writer ${won.indexOf(true)}`);
  });
});

describe('concurrent vault init on s3rver', () => {
  it('two inits that both pass their "no config yet" checks end in one vault', async () => {
    const prefix = 'race-both-write';
    // Both runs pass their "no config yet" checks and try to write their config before either reads
    // it back: one write wins (412 for the other), the other run sees a config that is not its own,
    // removes its key object and opens the winner's vault.
    let arrived = 0;
    let release!: () => void;
    const bothWritten = new Promise<void>((resolve) => (release = resolve));
    const racer = (): VaultStore => {
      const inner = store(prefix);
      return {
        location: inner.location,
        put: (k, b) => inner.put(k, b),
        get: (k, r) => inner.get(k, r),
        has: (k) => (k === CONFIG_KEY ? Promise.resolve(false) : inner.has(k)),
        list: (p) => inner.list(p),
        delete: (k) => inner.delete(k),
        putIfAbsent: async (k, b) => {
          const written = await inner.putIfAbsent(k, b);
          if (++arrived === 2) release();
          await bothWritten;
          return written;
        },
      };
    };
    const providers = [await KeyFileKeyProvider.load(keyFile), await KeyFileKeyProvider.load(keyFile)];
    const [a, b] = await Promise.all(providers.map((p) => initVault(racer(), p, TUNING)));
    expect(a!.config.id).toBe(b!.config.id);
    expect(await listKeys(store(prefix), KEYS_PREFIX)).toHaveLength(1);
    await expectSameVault(a!, b!);
    await expectSameVault(b!, a!);
    const fresh = await openVault(store(prefix), await KeyFileKeyProvider.load(keyFile));
    expect(fresh.config.id).toBe(a!.config.id);
  });
});
