import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  ListObjectsV2Command,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { S3VaultStore } from '../../../../vault/backend/s3/s3-vault-store';

/**
 * S3VaultStore's multipart upload (parts through the shared bounded-concurrency helper) and its
 * listing (the SDK's ListObjectsV2 paginator), against a scripted S3.
 */
const s3 = mockClient(S3Client);
const MiB = 1024 * 1024;
const PART = 5 * MiB;

function store(): S3VaultStore {
  return new S3VaultStore({ client: new S3Client({ region: 'us-east-1' }), bucket: 'vault', multipartThresholdBytes: PART, partSizeBytes: PART });
}

const nextTick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

beforeEach(() => {
  s3.reset();
  s3.on(CreateMultipartUploadCommand).resolves({ UploadId: 'u-1' });
  s3.on(CompleteMultipartUploadCommand).resolves({});
  s3.on(AbortMultipartUploadCommand).resolves({});
});

describe('multipart upload', () => {
  it('completes with every part in part-number order', async () => {
    s3.on(UploadPartCommand).callsFake(async (input: { PartNumber: number }) => {
      // Later parts answer first.
      for (let t = 0; t < 10 - input.PartNumber; t++) await nextTick();
      return { ETag: `"e${input.PartNumber}"` };
    });
    await store().put('data/ab/pack', Buffer.alloc(6 * PART + 1));
    const [complete] = s3.commandCalls(CompleteMultipartUploadCommand);
    expect(complete?.args[0].input.MultipartUpload?.Parts).toEqual([1, 2, 3, 4, 5, 6, 7].map((n) => ({ PartNumber: n, ETag: `"e${n}"` })));
  });

  it('starts no part after one failed, lets the parts in flight finish, aborts, and reports the failure', async () => {
    s3.on(UploadPartCommand).callsFake(async (input: { PartNumber: number }) => {
      if (input.PartNumber === 2) throw Object.assign(new Error('part 2 was refused'), { name: 'InternalError' });
      await nextTick();
      return { ETag: `"e${input.PartNumber}"` };
    });
    await expect(store().put('data/ab/pack', Buffer.alloc(10 * PART))).rejects.toThrow('part 2 was refused');
    // Four parts in flight at once (PARTS_IN_FLIGHT): 1-4 were started, nothing after the failure.
    expect(s3.commandCalls(UploadPartCommand).map((c) => c.args[0].input.PartNumber)).toEqual([1, 2, 3, 4]);
    expect(s3.commandCalls(AbortMultipartUploadCommand)).toHaveLength(1);
    expect(s3.commandCalls(CompleteMultipartUploadCommand)).toHaveLength(0);
  });
});

describe('listing', () => {
  it('follows continuation tokens page by page', async () => {
    const tokens: Array<string | undefined> = [];
    const pages = [
      { Contents: [{ Key: 'index/a' }, { Key: 'index/b' }], IsTruncated: true, NextContinuationToken: 't1' },
      { Contents: [{ Key: 'index/c' }], IsTruncated: false },
    ];
    s3.on(ListObjectsV2Command).callsFake((input: { ContinuationToken?: string }) => {
      tokens.push(input.ContinuationToken);
      return pages[tokens.length - 1];
    });
    const keys: string[] = [];
    for await (const key of store().list('index/')) keys.push(key);
    expect(keys).toEqual(['index/a', 'index/b', 'index/c']);
    expect(tokens).toEqual([undefined, 't1']);
  });

  it('refuses a truncated page without a continuation token instead of ending the listing short', async () => {
    s3.on(ListObjectsV2Command).resolves({ Contents: [{ Key: 'index/a' }], IsTruncated: true });
    const keys: string[] = [];
    const listing = (async () => {
      for await (const key of store().list('index/')) keys.push(key);
    })();
    await expect(listing).rejects.toThrow(
      's3://vault: listing index/ returned a truncated page without a continuation token; the S3 endpoint is not behaving like S3',
    );
    expect(keys).toEqual(['index/a']);
  });
});

describe('listing with sizes', () => {
  const withSizes = async (vault: S3VaultStore, prefix: string, into: Array<{ key: string; size: number }> = []): Promise<Array<{ key: string; size: number }>> => {
    for await (const object of vault.listWithSizes(prefix)) into.push(object);
    return into;
  };

  it('hands on the Size of each object from the same pages as list, relative to the vault prefix, one request a page', async () => {
    const tokens: Array<string | undefined> = [];
    const pages = [
      { Contents: [{ Key: 'v/data/ab/p1', Size: 16_777_216 }, { Key: 'v/data/ab/p2', Size: 0 }, { Key: 'elsewhere/data/ab/p9', Size: 5 }], IsTruncated: true, NextContinuationToken: 't1' },
      { Contents: [{ Key: 'v/data/cd/p3', Size: 42 }], IsTruncated: false },
    ];
    s3.on(ListObjectsV2Command).callsFake((input: { ContinuationToken?: string; Prefix?: string }) => {
      tokens.push(input.ContinuationToken);
      expect(input.Prefix).toBe('v/data/');
      return pages[tokens.length - 1];
    });
    const vault = new S3VaultStore({ client: new S3Client({ region: 'us-east-1' }), bucket: 'vault', prefix: 'v' });
    // A key outside the asked prefix (an emulator that ignores Prefix) is dropped, as list drops it.
    expect(await withSizes(vault, 'data/')).toEqual([
      { key: 'data/ab/p1', size: 16_777_216 },
      { key: 'data/ab/p2', size: 0 },
      { key: 'data/cd/p3', size: 42 },
    ]);
    expect(tokens).toEqual([undefined, 't1']);
  });

  it('refuses a truncated page without a continuation token, a prefix that is not a folder, and an object listed without its Size', async () => {
    s3.on(ListObjectsV2Command).resolves({ Contents: [{ Key: 'index/a', Size: 1 }], IsTruncated: true });
    const found: Array<{ key: string; size: number }> = [];
    await expect(withSizes(store(), 'index/', found)).rejects.toThrow(
      's3://vault: listing index/ returned a truncated page without a continuation token; the S3 endpoint is not behaving like S3',
    );
    expect(found).toEqual([{ key: 'index/a', size: 1 }]);
    await expect(withSizes(store(), 'index')).rejects.toThrow(`s3://vault: invalid object key "index": a list prefix must be '' or end in '/'`);
    await expect(withSizes(store(), '../')).rejects.toThrow('s3://vault: invalid object key "../"');
    s3.on(ListObjectsV2Command).resolves({ Contents: [{ Key: 'index/a' }], IsTruncated: false });
    await expect(withSizes(store(), 'index/')).rejects.toThrow('s3://vault: listing index/ returned object index/a without its Size; the S3 endpoint is not behaving like S3');
  });
});
