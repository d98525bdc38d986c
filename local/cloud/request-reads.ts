import { type IncomingHttpHeaders } from 'node:http';
import { type Readable } from 'node:stream';

/**
 * What the local cloud's middlewares and proxies read from a request before (or instead of) the
 * emulator: one header's value, and the whole body.
 */

/** A header's value; the first one when the request repeats it. */
export function requestHeader(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** The whole body. The stream is consumed: hand the emulator a replay of it when it reads the body too. */
export async function readRequestBody(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks);
}

/** The whole body as UTF-8 text (the XML and JSON documents of S3's and DynamoDB's APIs). */
export async function readRequestText(stream: Readable): Promise<string> {
  return (await readRequestBody(stream)).toString('utf8');
}
