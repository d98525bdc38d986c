import { GetObjectTaggingCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { readS3ObjectTags } from '../../../../lambdas/sources/s3-bucket-source';

const s3 = mockClient(S3Client);
afterAll(() => s3.restore());

describe('the tags a backup records of an object', () => {
  it('keep tags named like Object.prototype members (__proto__, constructor, toString) as own entries', async () => {
    s3.on(GetObjectTaggingCommand).resolves({ TagSet: ['__proto__', 'constructor', 'toString', 'team'].map((Key, i) => ({ Key, Value: `v${i}` })) });
    const tags = await readS3ObjectTags(new S3Client({ region: 'us-east-1' }), 'b', 'k');
    expect(Object.entries(tags)).toEqual([
      ['__proto__', 'v0'],
      ['constructor', 'v1'],
      ['toString', 'v2'],
      ['team', 'v3'],
    ]);
    expect(JSON.stringify(tags)).toBe('{"__proto__":"v0","constructor":"v1","toString":"v2","team":"v3"}');
  });
});
