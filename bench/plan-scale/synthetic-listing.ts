import { createServer, type Server } from 'node:http';
import { type AddressInfo } from 'node:net';

/**
 * A bucket that exists only as arithmetic: key i is `data/<i, 9 digits>` (fixed width, so text
 * order is index order and S3's UTF-8 order), its size a log-uniform 1 KiB–1 MiB drawn from a hash
 * of i (mean about 150 KB, the order of a 100 TB / 1-billion-object bucket's 100 KB). Nothing is
 * stored: a listing of 10 million keys costs the server one page at a time.
 */
export const SYNTHETIC_BUCKET = 'lifeboat-bench-synthetic';

export function syntheticKey(i: number): string {
  return `data/${String(i).padStart(9, '0')}`;
}

export function syntheticSize(i: number): number {
  // A 32-bit integer mix (murmur3's finaliser) of i: uniform enough, and cheap for 10 million keys.
  let h = (i ^ 0x9e3779b9) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  h = (h ^ (h >>> 16)) >>> 0;
  return Math.round(1024 * Math.pow(1024, h / 2 ** 32));
}

/** The index of the first key after `startAfter` (UTF-8 order; keys are ASCII, so string order is the same). */
export function firstIndexAfter(startAfter: string | undefined, count: number): number {
  if (startAfter === undefined || startAfter === '') return 0;
  let lo = 0;
  let hi = count;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (syntheticKey(mid) <= startAfter) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

const xmlEscape = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** One ListObjectsV2 page as S3 answers it (path-style GET /<bucket>?list-type=2&…). */
export function listPage(count: number, query: URLSearchParams): string {
  const prefix = query.get('prefix') ?? '';
  const maxKeys = Math.min(1000, Number(query.get('max-keys') ?? '1000') || 1000);
  const token = query.get('continuation-token');
  // The token is the index of the next key: the server resumes from it, as S3 does, whatever StartAfter says.
  let i = token !== null ? Number(token) : firstIndexAfter(query.get('start-after') ?? undefined, count);
  if (prefix !== '' && !'data/'.startsWith(prefix) && !prefix.startsWith('data/')) i = count;
  const parts: string[] = [];
  const modified = '2026-11-30T00:00:00.000Z';
  let n = 0;
  for (; i < count && n < maxKeys; i++) {
    const key = syntheticKey(i);
    if (!key.startsWith(prefix)) continue;
    parts.push(`<Contents><Key>${xmlEscape(key)}</Key><LastModified>${modified}</LastModified><ETag>&quot;${i.toString(16).padStart(32, '0')}&quot;</ETag><Size>${syntheticSize(i)}</Size><StorageClass>STANDARD</StorageClass></Contents>`);
    n++;
  }
  const truncated = i < count;
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>${SYNTHETIC_BUCKET}</Name><Prefix>${xmlEscape(prefix)}</Prefix>` +
    `<KeyCount>${n}</KeyCount><MaxKeys>${maxKeys}</MaxKeys><IsTruncated>${truncated}</IsTruncated>` +
    (truncated ? `<NextContinuationToken>${i}</NextContinuationToken>` : '') +
    parts.join('') +
    '</ListBucketResult>'
  );
}

export type SyntheticListingServer = { endpoint: string; requests: () => number; close: () => Promise<void> };

/** Serves ListObjectsV2 of `count` synthetic keys on 127.0.0.1 (a free port); anything else is a 501. */
export async function startSyntheticListing(count: number): Promise<SyntheticListingServer> {
  let requests = 0;
  const server: Server = createServer((req, res) => {
    requests++;
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (req.method === 'GET' && url.pathname.replace(/\/$/, '') === `/${SYNTHETIC_BUCKET}` && url.searchParams.get('list-type') === '2') {
      const body = listPage(count, url.searchParams);
      res.writeHead(200, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body) });
      res.end(body);
      return;
    }
    res.writeHead(501, { 'content-type': 'application/xml' });
    res.end(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>NotImplemented</Code><Message>${xmlEscape(`${req.method ?? ''} ${req.url ?? ''}`)}</Message></Error>`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests: () => requests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
