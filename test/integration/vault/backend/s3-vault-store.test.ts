import { createHash, randomBytes } from 'node:crypto';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { LOCAL_CREDENTIALS } from '../../../../lambdas/runtime/local-endpoints';
import { localS3Client } from '../../../../local/cloud';
import { InvalidVaultKeyError, S3VaultStore } from '../../../../vault/backend/s3/s3-vault-store';
import { VaultCorruptionError } from '../../../../vault/vault-errors';
import { mapBounded } from '../../../../vault/workers/bounded-concurrency';
import { useLocalS3Bucket } from '../../../support/local-s3-bucket';
import { listedKeys } from '../../../support/vault-test-helpers';
import { listedWithSizes } from '../../../support/list-with-sizes-contract';

const REGION = 'us-east-1';
const BUCKET = 'vault-store-test';
const MiB = 1024 * 1024;

const s3 = useLocalS3Bucket(BUCKET, 's3-vault', REGION);

function store(prefix?: string, extra: { multipartThresholdBytes?: number; partSizeBytes?: number } = {}): S3VaultStore {
  return new S3VaultStore({ client: s3().client, bucket: BUCKET, ...(prefix !== undefined ? { prefix } : {}), ...extra });
}

describe('S3VaultStore on the local S3 emulator', () => {
  it('names its location s3://bucket/prefix, tolerating slashes around the prefix', () => {
    expect(store('vaults/one').location).toBe(`s3://${BUCKET}/vaults/one`);
    expect(store('/vaults/one/').location).toBe(`s3://${BUCKET}/vaults/one`);
    expect(store().location).toBe(`s3://${BUCKET}`);
  });

  // Whole and ranged reads, replacing, empty objects, not-found errors, has() and delete(): the
  // VaultStore contract (s3-vault-store-contract.test.ts) runs those against this store.
  it('stores each object at prefix + key, where other tools see the vault its location names', async () => {
    const vault = store('basic');
    const body = randomBytes(4096);
    await vault.put('data/ab/blob', body);
    const raw = await s3().client.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'basic/data/ab/blob' }));
    expect(Buffer.from(await raw.Body!.transformToByteArray()).equals(body)).toBe(true);
  });

  it('reports a range past the end of an object as corruption, not as a short read', async () => {
    const vault = store('ranges');
    await vault.put('packs/p1', Buffer.from('0123456789'));
    await expect(vault.get('packs/p1', { offset: 8, length: 5 })).rejects.toBeInstanceOf(VaultCorruptionError);
    await expect(vault.get('packs/p1', { offset: 20, length: 5 })).rejects.toBeInstanceOf(VaultCorruptionError);
    await expect(vault.get('packs/p1', { offset: 8, length: 5 })).rejects.toThrow(`s3://${BUCKET}/ranges: object packs/p1 is corrupt`);
  });

  it('lists more than 1,000 keys across pages, relative to the prefix and filtered by the list prefix', async () => {
    const vault = store('many');
    const dataKeys = Array.from({ length: 1100 }, (_, i) => `data/${(i % 256).toString(16).padStart(2, '0')}/${String(i).padStart(5, '0')}`);
    const otherKeys = ['config', 'keys/k1', 'index/i1'];
    await mapBounded([...dataKeys, ...otherKeys], 32, (key) => vault.put(key, Buffer.from(key)));

    // The emulator really pages (at most 1,000 keys a page), so list() must have followed a continuation token.
    const firstPage = await s3().client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'many/data/' }));
    expect(firstPage.IsTruncated).toBe(true);
    expect(firstPage.Contents).toHaveLength(1000);

    expect(await listedKeys(vault, 'data/')).toEqual([...dataKeys].sort());
    expect(await listedKeys(vault, '')).toEqual([...dataKeys, ...otherKeys].sort());
    expect(await listedKeys(vault, 'keys/')).toEqual(['keys/k1']);
    expect(await listedKeys(vault, 'snapshots/')).toEqual([]);
    // The same pages with each object's Size (each body is its key).
    expect(await listedWithSizes(vault, 'data/')).toEqual([...dataKeys].sort().map((key) => ({ key, size: key.length })));
  });

  it('keeps vaults under different prefixes apart', async () => {
    const a = store('iso/a');
    const b = store('iso/ab');
    const root = store('iso');
    await a.put('config', Buffer.from('a'));
    await b.put('config', Buffer.from('b'));
    // Written next to the vaults by something else: not part of either.
    await s3().client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'iso/a-sibling', Body: 'x' }));

    expect((await a.get('config')).toString()).toBe('a');
    expect((await b.get('config')).toString()).toBe('b');
    // 'iso/a' must not see 'iso/ab/…' or 'iso/a-sibling' (prefix is a folder, not a string prefix).
    expect(await listedKeys(a, '')).toEqual(['config']);
    expect(await listedKeys(b, '')).toEqual(['config']);
    expect(await listedKeys(root, '')).toEqual(['a-sibling', 'a/config', 'ab/config']);
    await a.delete('config');
    expect(await b.has('config')).toBe(true);
    expect(await a.has('config')).toBe(false);
  });

  it('uploads objects at or above the threshold in parts and reads them back byte for byte', async () => {
    const vault = store('multipart', { multipartThresholdBytes: 5 * MiB, partSizeBytes: 5 * MiB });
    // Three parts: two full 5 MiB parts and a short last one, so part order matters.
    const big = randomBytes(10 * MiB + 12345);
    await vault.put('packs/big', big);
    const back = await vault.get('packs/big');
    expect(back.length).toBe(big.length);
    expect(back.equals(big)).toBe(true);
    // A range that spans the boundary between part 1 and part 2.
    expect((await vault.get('packs/big', { offset: 5 * MiB - 10, length: 20 })).equals(big.subarray(5 * MiB - 10, 5 * MiB + 10))).toBe(true);

    // Exactly at the threshold: one full part, uploaded as multipart too.
    const exact = randomBytes(5 * MiB);
    await vault.put('packs/exact', exact);
    expect((await vault.get('packs/exact')).equals(exact)).toBe(true);
  });

  it('uploads without hashing the body for the signature (UNSIGNED-PAYLOAD) while the CRC32 checksum, a signed header, goes with it; not without a checksum', async () => {
    const signed: { command: string; part: string | undefined; payloadHash: string | undefined; crc32: string | undefined; signedHeaders: string }[] = [];
    function record<A extends { request: unknown }, R>(next: (args: A) => Promise<R>, context: { commandName?: string }): (args: A) => Promise<R> {
      return async (args) => {
        const { headers, query } = args.request as { headers: Record<string, string>; query?: Record<string, unknown> };
        const part = typeof query?.['partNumber'] === 'string' ? query['partNumber'] : undefined;
        signed.push({ command: context.commandName ?? '', part, payloadHash: headers['x-amz-content-sha256'], crc32: headers['x-amz-checksum-crc32'], signedHeaders: /SignedHeaders=([^,]+)/.exec(headers['authorization'] ?? '')?.[1] ?? '' });
        return next(args);
      };
    }
    const recording = (requestChecksumCalculation: 'WHEN_SUPPORTED' | 'WHEN_REQUIRED'): S3Client => {
      const client = new S3Client({ region: REGION, endpoint: s3().cloud.endpoints.s3[REGION], forcePathStyle: true, credentials: LOCAL_CREDENTIALS, requestChecksumCalculation });
      client.middlewareStack.addRelativeTo(record, { name: 'recordSignedRequest', relation: 'after', toMiddleware: 'httpSigningMiddleware' });
      return client;
    };
    const client = recording('WHEN_SUPPORTED');
    const vault = new S3VaultStore({ client, bucket: BUCKET, prefix: 'unsigned', multipartThresholdBytes: 5 * MiB, partSizeBytes: 5 * MiB });
    const small = randomBytes(70_000);
    const big = randomBytes(5 * MiB + 1);
    await vault.put('data/ab/small', small);
    await vault.put('packs/big', big);
    expect((await vault.get('data/ab/small')).equals(small)).toBe(true);
    expect((await vault.get('packs/big')).equals(big)).toBe(true);
    const uploads = signed.filter((r) => r.command === 'PutObjectCommand' || r.command === 'UploadPartCommand');
    // Recorded after signing, so inside the SDK's retry loop: a request the SDK sent again (a
    // connection the busy local server reset) is recorded twice. Each attempt is checked below.
    expect([...new Set(uploads.map((r) => (r.part === undefined ? r.command : `${r.command} ${r.part}`)))]).toEqual(['PutObjectCommand', 'UploadPartCommand 1', 'UploadPartCommand 2']);
    for (const upload of uploads) {
      expect(upload.payloadHash).toBe('UNSIGNED-PAYLOAD');
      expect(upload.crc32).toMatch(/^[A-Za-z0-9+/]{6}==$/);
      expect(upload.signedHeaders.split(';')).toEqual(expect.arrayContaining(['x-amz-checksum-crc32', 'x-amz-content-sha256']));
    }
    // A client that sends no checksum keeps the signed SHA-256 of the body.
    signed.length = 0;
    const plain = recording('WHEN_REQUIRED');
    await new S3VaultStore({ client: plain, bucket: BUCKET, prefix: 'unsigned' }).put('data/ab/plain', small);
    // One PutObject (each attempt of it, should the SDK send it again), signed with the body's SHA-256.
    expect(signed.map((r) => r.command)).toEqual(expect.arrayContaining(['PutObjectCommand']));
    for (const attempt of signed) expect(attempt).toMatchObject({ command: 'PutObjectCommand', payloadHash: createHash('sha256').update(small).digest('hex'), crc32: undefined });
    client.destroy();
    plain.destroy();
  });

  it('reports a failed part upload itself, not the abort that follows it, and leaves no object', async () => {
    const failing = localS3Client(s3().cloud.endpoints, REGION);
    const sent: string[] = [];
    failing.middlewareStack.add(
      (next, context) => async (args) => {
        sent.push(context.commandName ?? '?');
        if (context.commandName === 'UploadPartCommand' && (args.input as { PartNumber?: number }).PartNumber === 2) throw new Error('injected failure of part 2');
        return next(args);
      },
      { step: 'initialize', name: 'failPartTwo' },
    );
    try {
      const vault = new S3VaultStore({ client: failing, bucket: BUCKET, prefix: 'mpfail', multipartThresholdBytes: 5 * MiB, partSizeBytes: 5 * MiB });
      await expect(vault.put('packs/broken', randomBytes(10 * MiB + 1))).rejects.toThrow('injected failure of part 2');
      // s3rver answers AbortMultipartUpload with 405; the store tried it and kept the part's error.
      expect(sent).toContain('AbortMultipartUploadCommand');
      expect(sent).not.toContain('CompleteMultipartUploadCommand');
      expect(await vault.has('packs/broken')).toBe(false);
    } finally {
      failing.destroy();
    }
  });

  it('rejects keys that could escape the prefix or are not plain relative paths, before any request', async () => {
    const vault = store('hostile');
    const hostile = ['../escape', 'data/../../escape', '/absolute', 'a//b', 'trailing/', './config', 'data/./x', '', 'back\\slash', 'nul\u0000byte'];
    for (const key of hostile) {
      await expect(vault.put(key, Buffer.from('x'))).rejects.toBeInstanceOf(InvalidVaultKeyError);
      await expect(vault.get(key)).rejects.toBeInstanceOf(InvalidVaultKeyError);
      await expect(vault.has(key)).rejects.toBeInstanceOf(InvalidVaultKeyError);
      await expect(vault.delete(key)).rejects.toBeInstanceOf(InvalidVaultKeyError);
    }
    await expect(vault.put('../escape', Buffer.from('x'))).rejects.toThrow(`s3://${BUCKET}/hostile: invalid object key "../escape": it contains a '..' segment`);
    await expect(listedKeys(vault, '../')).rejects.toBeInstanceOf(InvalidVaultKeyError);
    await expect(listedKeys(vault, 'data')).rejects.toBeInstanceOf(InvalidVaultKeyError);
    expect(() => store('vaults/../other')).toThrow(InvalidVaultKeyError);

    // Nothing was written anywhere in the bucket outside the prefixes used by this suite.
    const all = await s3().client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'escape' }));
    expect(all.KeyCount ?? 0).toBe(0);
    expect(await listedKeys(vault, '')).toEqual([]);
  });

  it('refuses part sizes S3 would reject', () => {
    expect(() => store('x', { partSizeBytes: 1024 })).toThrow(/partSizeBytes must be an integer from 5 MiB to 5 GiB/);
    expect(() => store('x', { multipartThresholdBytes: 0 })).toThrow(/multipartThresholdBytes/);
  });
});
