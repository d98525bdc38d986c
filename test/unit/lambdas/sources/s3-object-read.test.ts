import { Readable } from 'node:stream';
import { type GetObjectCommand, GetObjectTaggingCommand, type S3Client } from '@aws-sdk/client-s3';
import { readS3Object } from '../../../../lambdas/sources/s3-bucket-source';

/** A bucket of two objects, one tagged, answering GetObject (with TagCount, as S3 does) and GetObjectTagging; every command is recorded. */
function fakeBucket(): { s3: S3Client; sent: string[] } {
  const objects: Record<string, { body: string; tags: Record<string, string> }> = {
    'tagged.txt': { body: 'with tags', tags: { team: 'ops', tier: 'gold' } },
    'plain.txt': { body: 'without tags', tags: {} },
  };
  const sent: string[] = [];
  const send = (command: GetObjectCommand | GetObjectTaggingCommand): Promise<unknown> => {
    const key = command.input.Key ?? '';
    const object = objects[key];
    if (!object) return Promise.reject(Object.assign(new Error('NoSuchKey'), { name: 'NoSuchKey' }));
    sent.push(`${command.constructor.name} ${key}`);
    const tagCount = Object.keys(object.tags).length;
    if (command instanceof GetObjectTaggingCommand) return Promise.resolve({ TagSet: Object.entries(object.tags).map(([Key, Value]) => ({ Key, Value })) });
    return Promise.resolve({ Body: Readable.from([Buffer.from(object.body)]), ContentLength: object.body.length, ETag: '"e"', Metadata: { origin: 'test' }, ...(tagCount > 0 ? { TagCount: tagCount } : {}) });
  };
  return { s3: { send } as unknown as S3Client, sent };
}

describe('readS3Object', () => {
  it('reads a tagged object with its tags (GetObject, then GetObjectTagging) and an untagged one in its GetObject alone', async () => {
    const { s3, sent } = fakeBucket();
    const tagged = await readS3Object(s3, 'b', { key: 'tagged.txt', size: 9, etag: '"e"' });
    const plain = await readS3Object(s3, 'b', { key: 'plain.txt', size: 12, etag: '"e"' });
    expect({ body: tagged.body.toString(), tags: tagged.tags, metadata: tagged.metadata }).toEqual({ body: 'with tags', tags: { team: 'ops', tier: 'gold' }, metadata: { origin: 'test' } });
    expect({ body: plain.body.toString(), tags: plain.tags }).toEqual({ body: 'without tags', tags: {} });
    expect(sent).toEqual(['GetObjectCommand tagged.txt', 'GetObjectTaggingCommand tagged.txt', 'GetObjectCommand plain.txt']);
  });
});
