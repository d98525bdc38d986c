import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { type AddressInfo } from 'node:net';

/** One request as the endpoint saw it: the region it was signed for, the method, the key ('' for the bucket). */
export type MemoryS3Request = { region: string; method: string; key: string };

/**
 * What the endpoint answers instead of serving a request: an S3 error (a body with the code and message, none for a
 * HEAD, as S3's), `page`: a proxy's HTML page, or `redirect`: a 301 naming `region` as the bucket's.
 */
export type MemoryS3Fault =
  | { kind: 'error'; status: number; code: string; message: string; requestId?: string; extendedRequestId?: string }
  | { kind: 'page'; status: number; html: string }
  | { kind: 'redirect'; region: string };

export type MemoryS3Endpoint = {
  url: string;
  requests: MemoryS3Request[];
  /** The fault for a request, or undefined to serve it; undefined as a whole serves every request. */
  fault: ((request: MemoryS3Request) => MemoryS3Fault | undefined) | undefined;
  close(): Promise<void>;
};

/**
 * An S3 of one bucket (path-style) in memory on 127.0.0.1, with the operations a vault uses (PUT with If-None-Match,
 * GET with a range, HEAD, DELETE, ListObjectsV2), and a fault to answer instead: a throttle, a proxy's page, a redirect.
 * The bucket answers HeadBucket with `bucketRegion`; the object-lock configuration is never found.
 */
export async function startMemoryS3(bucketRegion = 'us-east-1'): Promise<MemoryS3Endpoint> {
  const objects = new Map<string, Buffer>();
  const endpoint: MemoryS3Endpoint = { url: '', requests: [], fault: undefined, close: async () => undefined };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => serve(req, res, Buffer.concat(chunks)));
  });
  function serve(req: IncomingMessage, res: ServerResponse, body: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://s3');
    const key = url.pathname.split('/').slice(2).map(decodeURIComponent).join('/');
    const region = /Credential=[^/]+\/\d{8}\/([^/]+)\//.exec(req.headers.authorization ?? '')?.[1] ?? '?';
    const request: MemoryS3Request = { region, method: req.method ?? '', key };
    endpoint.requests.push(request);
    const fault = endpoint.fault?.(request);
    if (fault?.kind === 'page') {
      res.writeHead(fault.status, { 'content-type': 'text/html' });
      return void res.end(req.method === 'HEAD' ? undefined : fault.html);
    }
    if (fault?.kind === 'redirect') return error(res, req, 301, 'PermanentRedirect', 'The bucket you are attempting to access must be addressed using the specified endpoint.', { 'x-amz-bucket-region': fault.region });
    if (fault?.kind === 'error') {
      const ids = { ...(fault.requestId ? { 'x-amz-request-id': fault.requestId } : {}), ...(fault.extendedRequestId ? { 'x-amz-id-2': fault.extendedRequestId } : {}) };
      return error(res, req, fault.status, fault.code, fault.message, ids);
    }
    if (key === '') return serveBucket(req, res, url.searchParams);
    if (req.method === 'PUT') {
      if (req.headers['if-none-match'] === '*' && objects.has(key)) return error(res, req, 412, 'PreconditionFailed', 'At least one of the pre-conditions you specified did not hold');
      const data = String(req.headers['x-amz-content-sha256'] ?? '').startsWith('STREAMING') || String(req.headers['content-encoding'] ?? '').includes('aws-chunked') ? unchunked(body) : body;
      objects.set(key, data);
      res.writeHead(200, { etag: `"${createHash('md5').update(data).digest('hex')}"` });
      return void res.end();
    }
    if (req.method === 'DELETE') {
      objects.delete(key);
      res.writeHead(204);
      return void res.end();
    }
    const object = objects.get(key);
    if (object === undefined) return error(res, req, 404, 'NoSuchKey', 'The specified key does not exist.');
    if (req.method === 'HEAD') {
      res.writeHead(200, { 'content-length': object.length, etag: '"e"' });
      return void res.end();
    }
    const range = /^bytes=(\d+)-(\d+)$/.exec(String(req.headers.range ?? ''));
    if (range) {
      const from = Number(range[1]);
      const to = Math.min(Number(range[2]), object.length - 1);
      res.writeHead(206, { 'content-length': to - from + 1, 'content-range': `bytes ${from}-${to}/${object.length}` });
      return void res.end(object.subarray(from, to + 1));
    }
    res.writeHead(200, { 'content-length': object.length });
    res.end(object);
  }
  function serveBucket(req: IncomingMessage, res: ServerResponse, query: URLSearchParams): void {
    if (req.method === 'HEAD') {
      res.writeHead(200, { 'x-amz-bucket-region': bucketRegion });
      return void res.end();
    }
    if (query.has('object-lock')) return error(res, req, 404, 'ObjectLockConfigurationNotFoundError', 'Object Lock configuration does not exist for this bucket');
    if (query.get('list-type') !== '2') return error(res, req, 400, 'InvalidRequest', 'not served by this endpoint');
    const prefix = query.get('prefix') ?? '';
    const keys = [...objects.keys()].filter((k) => k.startsWith(prefix)).sort();
    const contents = keys.map((k) => `<Contents><Key>${xmlText(k)}</Key><Size>${objects.get(k)?.length ?? 0}</Size><LastModified>2026-12-01T00:00:00.000Z</LastModified><ETag>"e"</ETag><StorageClass>STANDARD</StorageClass></Contents>`);
    res.writeHead(200, { 'content-type': 'application/xml' });
    res.end(`<?xml version="1.0" encoding="UTF-8"?><ListBucketResult><Prefix>${xmlText(prefix)}</Prefix><KeyCount>${keys.length}</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated>${contents.join('')}</ListBucketResult>`);
  }
  function error(res: ServerResponse, req: IncomingMessage, status: number, code: string, message: string, headers: Record<string, string> = {}): void {
    res.writeHead(status, { 'content-type': 'application/xml', 'x-amz-bucket-region': bucketRegion, ...headers });
    // S3's answer to a HEAD has no body.
    res.end(req.method === 'HEAD' ? undefined : `<Error><Code>${code}</Code><Message>${xmlText(message)}</Message></Error>`);
  }
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  endpoint.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return endpoint;
}

/** The payload of an aws-chunked upload (the SDK's streaming uploads): its chunks without their size lines and trailers. */
function unchunked(body: Buffer): Buffer {
  const parts: Buffer[] = [];
  let at = 0;
  while (at < body.length) {
    const lineEnd = body.indexOf('\r\n', at);
    const size = parseInt(body.subarray(at, lineEnd).toString().split(';')[0] ?? '0', 16);
    if (!size) break;
    parts.push(body.subarray(lineEnd + 2, lineEnd + 2 + size));
    at = lineEnd + 2 + size + 2;
  }
  return Buffer.concat(parts);
}

function xmlText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
