import * as http from 'node:http';
import { type AddressInfo } from 'node:net';
import { S3Client } from '@aws-sdk/client-s3';

/**
 * S3 as AWS answers a client of another region than the bucket's, on 127.0.0.1: every request 301 with the bucket's
 * region in `x-amz-bucket-region` (none when `bucketRegion` is undefined, as an S3-compatible store may), a HEAD with
 * no body (so the SDK names the error `Unknown: UnknownError`), any other request with S3's PermanentRedirect body.
 * `status` 400: how S3 may answer a HeadBucket signed for another region. `use` gets a client of `clientRegion`
 * that tries once; the server closes when it returns.
 */
export async function withRegionRedirectingS3<T>(
  options: { bucketRegion: string | undefined; clientRegion: string; status?: 301 | 400 },
  use: (s3: S3Client, requests: readonly string[]) => Promise<T>,
): Promise<T> {
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    req.resume();
    res.writeHead(options.status ?? 301, options.bucketRegion === undefined ? {} : { 'x-amz-bucket-region': options.bucketRegion });
    if (req.method === 'HEAD') res.end();
    else res.end('<?xml version="1.0" encoding="UTF-8"?><Error><Code>PermanentRedirect</Code><Message>The bucket you are attempting to access must be addressed using the specified endpoint.</Message></Error>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const s3 = new S3Client({
    region: options.clientRegion,
    endpoint: `http://127.0.0.1:${port}`,
    forcePathStyle: true,
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
    maxAttempts: 1,
  });
  try {
    return await use(s3, requests);
  } finally {
    s3.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
