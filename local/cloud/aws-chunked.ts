import { Transform, type TransformCallback } from 'node:stream';
import { type IncomingHttpHeaders } from 'node:http';

/**
 * Decoding of `Content-Encoding: aws-chunked` request bodies, which s3rver does not understand (it
 * would store the chunk framing as the object's bytes). AWS SDK v3 sends them for uploads of
 * streams, with a trailing checksum (`x-amz-content-sha256: STREAMING-UNSIGNED-PAYLOAD-TRAILER`) or
 * signed chunks (`STREAMING-AWS4-HMAC-SHA256-PAYLOAD`). Format, per chunk:
 *   <size hex>[;chunk-signature=<sig>]\r\n<size bytes>\r\n
 * ending with a zero-size chunk, optional trailer lines (`x-amz-checksum-crc32:...`), and \r\n.
 * Chunk signatures and trailing checksums are not verified (s3rver does not verify SigV4 either).
 */

export function isAwsChunked(headers: IncomingHttpHeaders): boolean {
  const encoding = headers['content-encoding'] ?? '';
  const sha = headers['x-amz-content-sha256'];
  return encoding.split(',').some((e) => e.trim() === 'aws-chunked') || (typeof sha === 'string' && sha.startsWith('STREAMING-'));
}

/** Rewrites the headers as if the body had been sent plain (what s3rver stores as object metadata). */
export function rewriteAwsChunkedHeaders(headers: IncomingHttpHeaders): void {
  const decodedLength = headers['x-amz-decoded-content-length'];
  if (typeof decodedLength === 'string') headers['content-length'] = decodedLength;
  else delete headers['content-length'];
  const encoding = (headers['content-encoding'] ?? '')
    .split(',')
    .map((e) => e.trim())
    .filter((e) => e !== '' && e !== 'aws-chunked')
    .join(', ');
  if (encoding) headers['content-encoding'] = encoding;
  else delete headers['content-encoding'];
  delete headers['x-amz-decoded-content-length'];
  delete headers['x-amz-trailer'];
  headers['x-amz-content-sha256'] = 'UNSIGNED-PAYLOAD';
}

const CRLF = Buffer.from('\r\n');
/** A chunk header longer than this is not aws-chunked framing. */
const MAX_HEADER_LINE = 4096;

export class AwsChunkedDecoder extends Transform {
  private buffered: Buffer = Buffer.alloc(0);
  /** Bytes of chunk data still expected, or 'header' / 'crlf' / 'trailer' / 'done'. */
  private state: { kind: 'header' } | { kind: 'data'; remaining: number } | { kind: 'crlf' } | { kind: 'trailer' } | { kind: 'done' } = {
    kind: 'header',
  };

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.buffered = this.buffered.length ? Buffer.concat([this.buffered, chunk]) : chunk;
    try {
      this.drain();
      callback();
    } catch (err) {
      callback(err as Error);
    }
  }

  override _flush(callback: TransformCallback): void {
    if (this.state.kind === 'done' || this.state.kind === 'trailer') callback();
    else callback(new Error(`aws-chunked body ended inside a chunk (state ${this.state.kind})`));
  }

  private drain(): void {
    for (;;) {
      switch (this.state.kind) {
        case 'header': {
          const end = this.buffered.indexOf(CRLF);
          if (end < 0) {
            if (this.buffered.length > MAX_HEADER_LINE) throw new Error('aws-chunked chunk header too long');
            return;
          }
          const line = this.buffered.subarray(0, end).toString('latin1');
          this.buffered = this.buffered.subarray(end + 2);
          const size = Number.parseInt(line.split(';')[0] ?? '', 16);
          if (!Number.isFinite(size) || size < 0) throw new Error(`bad aws-chunked chunk header "${line}"`);
          this.state = size === 0 ? { kind: 'trailer' } : { kind: 'data', remaining: size };
          break;
        }
        case 'data': {
          if (this.buffered.length === 0) return;
          const take = Math.min(this.state.remaining, this.buffered.length);
          this.push(this.buffered.subarray(0, take));
          this.buffered = this.buffered.subarray(take);
          const remaining = this.state.remaining - take;
          this.state = remaining === 0 ? { kind: 'crlf' } : { kind: 'data', remaining };
          break;
        }
        case 'crlf': {
          if (this.buffered.length < 2) return;
          if (!this.buffered.subarray(0, 2).equals(CRLF)) throw new Error('aws-chunked chunk not followed by CRLF');
          this.buffered = this.buffered.subarray(2);
          this.state = { kind: 'header' };
          break;
        }
        case 'trailer': {
          // Trailer lines until an empty line; their content (checksums) is ignored.
          const end = this.buffered.indexOf(CRLF);
          if (end < 0) return;
          this.buffered = this.buffered.subarray(end + 2);
          if (end === 0) this.state = { kind: 'done' };
          break;
        }
        case 'done':
          this.buffered = Buffer.alloc(0);
          return;
      }
    }
  }
}
