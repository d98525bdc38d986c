import { mkdirSync } from 'node:fs';
import { type Server } from 'node:http';
import { type AddressInfo } from 'node:net';
import dynalite from 'dynalite';
import S3rver from 's3rver';
import { cacheBucketLookups } from './cached-bucket-lookups';
import { type LocalEndpoints } from '../../lambdas/runtime/local-endpoints';
import { AwsChunkedDecoder, isAwsChunked, rewriteAwsChunkedHeaders } from './aws-chunked';
import { conditionalPutMiddleware } from './conditional-put';
import { dataDirLayout } from './cloud-state';

/**
 * The emulators themselves, in this process: one s3rver and one dynalite per region, all on
 * 127.0.0.1. Regions are isolated as in AWS (a bucket or table created in one region is not visible
 * in the other). Run through cloud-process.ts, which needs `--openssl-legacy-provider` for s3rver's
 * ListObjectsV2 continuation tokens.
 */
export const LOOPBACK = '127.0.0.1';

export type CloudServerOptions = {
  dataDir: string;
  regions: readonly string[];
  /** Account id dynalite puts in table ARNs (default 000000000000). */
  account?: string;
  /** Fixed ports per region; a region without one gets a free port. */
  ports?: { s3?: Readonly<Record<string, number>>; dynamodb?: Readonly<Record<string, number>> };
};

export type CloudServers = {
  endpoints: LocalEndpoints;
  /** Closes every server; dynalite's LevelDB is closed too, so the next start can open it. */
  close(): Promise<void>;
};

/** How long close() lets in-flight requests finish before cutting the connections. */
const CLOSE_GRACE_MS = 2000;

function urlOf(address: AddressInfo | string | null): string {
  if (address === null || typeof address === 'string') throw new Error(`unexpected server address ${String(address)}`);
  return `http://${LOOPBACK}:${address.port}`;
}

function listen(server: Server, port: number): Promise<AddressInfo | string | null> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => reject(err);
    server.once('error', onError);
    server.listen(port, LOOPBACK, () => {
      server.off('error', onError);
      resolve(server.address());
    });
  });
}

function closeServer(server: Server, close: (cb: (err?: Error | null) => void) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => server.closeAllConnections(), CLOSE_GRACE_MS);
    close((err) => {
      clearTimeout(timer);
      if (err) reject(err);
      else resolve();
    });
  });
}

function startDynalite(path: string, region: string, account: string): Server {
  // dynalite reads the region and account for its table ARNs from the environment when the store is created.
  const saved = { region: process.env.AWS_REGION, account: process.env.AWS_ACCOUNT_ID };
  process.env.AWS_REGION = region;
  process.env.AWS_ACCOUNT_ID = account;
  try {
    return dynalite({ path, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  } finally {
    if (saved.region === undefined) delete process.env.AWS_REGION;
    else process.env.AWS_REGION = saved.region;
    if (saved.account === undefined) delete process.env.AWS_ACCOUNT_ID;
    else process.env.AWS_ACCOUNT_ID = saved.account;
  }
}

export async function startCloudServers(options: CloudServerOptions): Promise<CloudServers> {
  const layout = dataDirLayout(options.dataDir);
  const account = options.account ?? '000000000000';
  const closers: (() => Promise<void>)[] = [];
  const endpoints: LocalEndpoints = { s3: {}, dynamodb: {} };
  const close = async (): Promise<void> => {
    const results = await Promise.allSettled(closers.map((c) => c()));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  };

  try {
    for (const region of options.regions) {
      const s3Dir = layout.s3Dir(region);
      mkdirSync(s3Dir, { recursive: true });
      const s3 = new S3rver({
        address: LOOPBACK,
        port: options.ports?.s3?.[region] ?? 0,
        directory: s3Dir,
        silent: true,
        // Path-style only: clients use forcePathStyle, and the Host header is 127.0.0.1.
        vhostBuckets: false,
      });
      cacheBucketLookups(s3.store);
      // koa-logger formats every request and response line (chalk, then winston's colorize and
      // splat) even though `silent` drops them at the transport: a tenth of the cloud's CPU for no
      // output. Errors still reach s3rver's own logger.
      const requestLogger = s3.middleware.findIndex((m) => m.name === 'logger');
      if (requestLogger >= 0) s3.middleware.splice(requestLogger, 1);
      // First in line: SDK v3 uploads streams as aws-chunked bodies, which s3rver would store verbatim.
      s3.middleware.unshift(async (ctx, next) => {
        if (isAwsChunked(ctx.headers)) {
          rewriteAwsChunkedHeaders(ctx.headers);
          ctx.req = ctx.req.pipe(new AwsChunkedDecoder());
        }
        await next();
      });
      // After it (unshift puts it first): s3rver ignores If-None-Match, which the vault's creation relies on.
      s3.middleware.splice(1, 0, conditionalPutMiddleware(s3.store));
      const s3Address = await s3.run();
      closers.push(() => {
        const http = s3.httpServer;
        return http ? closeServer(http, (cb) => http.close(cb)) : Promise.resolve();
      });
      endpoints.s3[region] = urlOf(s3Address);

      const dynamoDir = layout.dynamoDbDir(region);
      mkdirSync(dynamoDir, { recursive: true });
      const dynamo = startDynalite(dynamoDir, region, account);
      const dynamoAddress = await listen(dynamo, options.ports?.dynamodb?.[region] ?? 0);
      closers.push(() => closeServer(dynamo, (cb) => dynamo.close(cb)));
      endpoints.dynamodb[region] = urlOf(dynamoAddress);
    }
  } catch (err) {
    await close().catch(() => undefined);
    throw err;
  }
  return { endpoints, close };
}
