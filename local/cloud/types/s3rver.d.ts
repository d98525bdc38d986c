/** Minimal typings for s3rver 3.7 (the package ships none); only what the local cloud uses. */
declare module 's3rver' {
  import { type AddressInfo } from 'node:net';
  import { type IncomingHttpHeaders, type Server } from 'node:http';
  import { type Readable } from 'node:stream';

  namespace S3rver {
    type S3rverOptions = {
      /** Interface to listen on (default localhost). */
      address?: string;
      /** Port to listen on; 0 picks a free one (default 4568). */
      port?: number;
      /** Suppress the request log. */
      silent?: boolean;
      /** Where buckets and objects are stored on disk. */
      directory?: string;
      /** Delete every bucket when the server closes. */
      resetOnClose?: boolean;
      /** Accept requests whose SigV4 signature does not match S3RVER/S3RVER. */
      allowMismatchedSignatures?: boolean;
      /** Resolve buckets from the Host header (virtual-hosted style). */
      vhostBuckets?: boolean;
      serviceEndpoint?: string;
      configureBuckets?: { name: string; configs?: (string | Buffer)[] }[];
    };
    /** The part of s3rver's Koa context the local cloud touches: the request body stream and headers. */
    type Context = {
      req: Readable;
      readonly headers: IncomingHttpHeaders;
      readonly method: string;
      /** The request path, still URL-encoded (`/bucket/key`, path-style); setting it rewrites the request URL, query kept. */
      path: string;
      /** The query string, without `?`; setting it rewrites the request URL, path kept. */
      querystring: string;
      status: number;
      type: string;
      body: unknown;
      /** Sets a response header. */
      set(field: string, value: string): void;
    };
    /** s3rver's object store (FilesystemStore). */
    type Store = {
      existsObject(bucket: string, key: string): Promise<boolean>;
      getBucket(bucket: string): Promise<unknown>;
      putBucket(bucket: string): Promise<unknown>;
      deleteBucket(bucket: string): Promise<unknown>;
      reset(): void;
      getSubresource(bucket: string, key: string | undefined, type: string): Promise<unknown>;
      putSubresource(bucket: string, key: string | undefined, resource: { type: string }): Promise<unknown>;
      deleteSubresource(bucket: string, key: string | undefined, type: string): Promise<unknown>;
    };
    /** FilesystemStore's metadata of one object (etag quoted, content-length, stored headers); rejects when the object does not exist. */
    type ObjectMetadata = { getMetadata(bucket: string, key: string): Promise<Record<string, string | number>> };
    /** FilesystemStore's delete of one object (absent: no error). */
    type ObjectDeletion = { deleteObject(bucket: string, key: string): Promise<void> };
    type Middleware = (ctx: Context, next: () => Promise<void>) => Promise<void>;
  }

  class S3rver {
    constructor(options?: S3rver.S3rverOptions);
    /** Starts listening; resolves with the bound address. A listen error is not caught (region-servers.ts: listenS3rver). */
    run(): Promise<AddressInfo>;
    /** Creates its HTTP server and calls server.listen with these arguments; returns the server (httpServer is not set). */
    listen(port: number, address: string, onListening: () => void): Server;
    close(): Promise<void>;
    httpServer?: Server;
    readonly store: S3rver.Store & S3rver.ObjectDeletion & S3rver.ObjectMetadata;
    /** Koa's middleware list, composed when the server starts listening. */
    middleware: S3rver.Middleware[];
  }

  export = S3rver;
}
