import { createServer, type Server } from 'node:http';
import { type AddressInfo } from 'node:net';
import { S3Client } from '@aws-sdk/client-s3';
import { listS3Objects } from '../../../../lambdas/sources/s3-bucket-source';
import { latestInventoryManifestKey } from '../../../../lambdas/sources/s3-inventory-listing';
import { isMissingS3Object } from '../../../../lambdas/sources/s3-missing-object';
import { decodeUrlEncodedKey, listObjectsPage, S3ListingEncodingError } from '../../../../lambdas/sources/url-encoded-listing';
import { compareS3Mirror } from '../../../../lambdas/mirror/s3-mirror-comparison';
import { recheckS3Keys } from '../../../../lambdas/mirror/s3-mirror-recheck';
import { encodeListedValue } from '../../../../local/cloud/listing-url-encoding';
import { compareKeys } from '../../../../lambdas/sources/s3-key-order';

/**
 * Keys S3 accepts that raw XML cannot carry (audit b8-1): the SDK's XML parser turns a CR and a CRLF into a LF
 * and a whitespace-only key with a LF into ''. Listed URL-encoded (EncodingType 'url') and decoded, they come
 * back as they are. The endpoint here answers as S3 does: raw keys in the XML unless the request asks for
 * encoding-type=url, then form-style URL encoding and <EncodingType>url</EncodingType>.
 */
const XML_HOSTILE_KEYS = ['cr\rkey', 'crlf\r\nkey', '\n', ' \n ', 'x\ny', 'x\ry', 'a+b c', '100%', 'caf\u00e9/\u{1F600}'];

const escapeXml = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

type FakeBucket = { keys: string[]; encodes: boolean; malformed?: string };

function listingXml(bucket: FakeBucket, query: URLSearchParams): string {
  const encoded = bucket.encodes && query.get('encoding-type') === 'url';
  const value = (text: string): string => (encoded ? encodeListedValue(text) : escapeXml(text));
  const prefix = query.get('prefix') ?? '';
  const delimiter = query.get('delimiter') ?? '';
  const startAfter = query.get('start-after') ?? '';
  const maxKeys = Number(query.get('max-keys') ?? '1000');
  const keys: string[] = [];
  const prefixes = new Set<string>();
  for (const key of [...bucket.keys].sort(compareKeys)) {
    if (!key.startsWith(prefix) || compareKeys(key, startAfter) <= 0) continue;
    const at = delimiter ? key.indexOf(delimiter, prefix.length) : -1;
    if (at >= 0) prefixes.add(key.slice(0, at + delimiter.length));
    else if (keys.length < maxKeys) keys.push(key);
  }
  const contents = keys.map((k) => `<Contents><Key>${value(k)}</Key><Size>1</Size><ETag>"e"</ETag><LastModified>2026-01-01T00:00:00.000Z</LastModified></Contents>`);
  if (encoded && bucket.malformed !== undefined) contents.push(`<Contents><Key>${bucket.malformed}</Key><Size>1</Size></Contents>`);
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult>' +
    `<Prefix>${value(prefix)}</Prefix>${startAfter ? `<StartAfter>${value(startAfter)}</StartAfter>` : ''}<KeyCount>${keys.length}</KeyCount><IsTruncated>false</IsTruncated>` +
    contents.join('') +
    [...prefixes].map((p) => `<CommonPrefixes><Prefix>${value(p)}</Prefix></CommonPrefixes>`).join('') +
    (encoded ? '<EncodingType>url</EncodingType>' : '') +
    '</ListBucketResult>'
  );
}

const buckets = new Map<string, FakeBucket>();
let server: Server;
let s3: S3Client;

beforeAll(async () => {
  server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const bucket = buckets.get(url.pathname.split('/')[1] ?? '');
    req.resume();
    if (!bucket) {
      res.writeHead(404, { 'content-type': 'application/xml' }).end('<Error><Code>NoSuchBucket</Code><Message>none</Message></Error>');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/xml' }).end(listingXml(bucket, url.searchParams));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  s3 = new S3Client({ region: 'us-east-1', endpoint: `http://127.0.0.1:${port}`, forcePathStyle: true, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
});

afterAll(async () => {
  s3?.destroy();
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  buckets.clear();
  buckets.set('hostile', { keys: XML_HOSTILE_KEYS, encodes: true });
});

describe('decodeUrlEncodedKey', () => {
  it('undoes S3\'s form-style URL encoding: CR, CRLF, a lone LF, whitespace around a LF, "+", "%" and unicode', () => {
    expect(decodeUrlEncodedKey('cr%0Dkey')).toBe('cr\rkey');
    expect(decodeUrlEncodedKey('crlf%0D%0Akey')).toBe('crlf\r\nkey');
    expect(decodeUrlEncodedKey('%0A')).toBe('\n');
    expect(decodeUrlEncodedKey('+%0A+')).toBe(' \n ');
    expect(decodeUrlEncodedKey('a%2Bb+c')).toBe('a+b c');
    expect(decodeUrlEncodedKey('100%25')).toBe('100%');
    expect(decodeUrlEncodedKey('test_file%283%29.png')).toBe('test_file(3).png');
    expect(decodeUrlEncodedKey('caf%C3%A9%2F%F0%9F%98%80')).toBe('caf\u00e9/\u{1F600}');
    for (const key of XML_HOSTILE_KEYS) expect(decodeUrlEncodedKey(encodeListedValue(key))).toBe(key);
  });
});

describe('key listings ask for URL encoding and decode it', () => {
  it('lists keys with a CR, a CRLF or only whitespace and a LF as they are, in S3 order (listS3Objects)', async () => {
    const listed: string[] = [];
    for await (const o of listS3Objects(s3, 'hostile', '')) listed.push(o.key);
    expect(listed).toEqual([...XML_HOSTILE_KEYS].sort(compareKeys));
  });

  it('finds such a key listed under itself (isMissingS3Object after a 403)', async () => {
    const denied = Object.assign(new Error('Access Denied'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } });
    expect(await isMissingS3Object(s3, 'hostile', 'cr\rkey', denied)).toBe(false);
  });

  it('the mirror check tells a key with a CR from one with a LF in its place, and sees it missing from the mirror', async () => {
    buckets.set('mirror', { keys: XML_HOSTILE_KEYS.map((k) => k.replace(/\r\n?/g, '\n')).filter((k, i, all) => all.indexOf(k) === i), encodes: true });
    buckets.set('empty-mirror', { keys: [], encodes: true });
    const options = { prefix: '', after: '', samples: 100, deleteMarkers: true, graceSeconds: 0, now: () => Date.now() };
    const window = await compareS3Mirror({ s3, bucket: 'hostile' }, { s3, bucket: 'mirror' }, options);
    expect(window.examples.map((d) => [d.key, d.reason])).toEqual([
      ['cr\nkey', 'in the mirror but deleted from the source'],
      ['cr\rkey', 'missing in the mirror'],
      ['crlf\nkey', 'in the mirror but deleted from the source'],
      ['crlf\r\nkey', 'missing in the mirror'],
      ['x\ry', 'missing in the mirror'],
    ]);
    const [recheck] = await recheckS3Keys({ s3, bucket: 'hostile' }, { s3, bucket: 'empty-mirror' }, [{ key: 'cr\rkey' }], options);
    expect(recheck?.difference?.reason).toBe('missing in the mirror');
  });

  it('decodes the common prefixes of an inventory destination', async () => {
    buckets.set('inventories', { keys: ['inv/src/cr\rconfig/2026-01-01T00-00Z/manifest.json'], encodes: true });
    expect(await latestInventoryManifestKey(s3, 'src', { bucket: 'inventories', prefix: 'inv' })).toBe('inv/src/cr\rconfig/2026-01-01T00-00Z/manifest.json');
  });

  it('decodes the echoed Prefix and StartAfter, and sends its own as they are', async () => {
    const page = await listObjectsPage(s3, { Bucket: 'hostile', Prefix: 'x', StartAfter: 'x\ny' });
    expect(page).toMatchObject({ Prefix: 'x', StartAfter: 'x\ny', EncodingType: 'url' });
    expect(page.Contents?.map((o) => o.Key)).toEqual(['x\ry']);
  });

  it('takes the keys of an endpoint that does not encode as sent: no "+" becomes a space', async () => {
    buckets.set('plain', { keys: ['a+b', '100%'], encodes: false });
    expect((await listObjectsPage(s3, { Bucket: 'plain' })).Contents?.map((o) => o.Key)).toEqual(['100%', 'a+b']);
  });

  it('fails with S3ListingEncodingError when a key said to be URL-encoded is not', async () => {
    buckets.set('broken', { keys: [], encodes: true, malformed: 'bad%ZZkey' });
    await expect(listObjectsPage(s3, { Bucket: 'broken' })).rejects.toThrow(S3ListingEncodingError);
    await expect(listObjectsPage(s3, { Bucket: 'broken' })).rejects.toThrow(/listed "bad%ZZkey" as URL-encoded/);
  });
});
