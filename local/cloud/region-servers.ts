import { mkdirSync } from 'node:fs';
import { type Server } from 'node:http';
import { type AddressInfo } from 'node:net';
import dynalite from 'dynalite';
import S3rver from 's3rver';
import { AwsChunkedDecoder, isAwsChunked, rewriteAwsChunkedHeaders } from './aws-chunked';
import { BucketOwners, expectedBucketOwnerMiddleware } from './bucket-owners';
import { bucketSecurityMiddleware } from './bucket-security';
import { BucketPolicies, bucketPolicyMiddleware } from './bucket-policy';
import { BucketSecurityState } from './bucket-security-state';
import { bucketLifecycleMiddleware, BucketLifecycleState } from './bucket-lifecycle';
import { cacheBucketLookups } from './cached-bucket-lookups';
import { confineObjectKeys } from './confined-object-keys';
import { dataDirLayout } from './cloud-state';
import { measureDynaliteItemsInBytes } from './dynamodb-item-size';
import { conditionalGetMiddleware } from './conditional-get';
import { copyMovesLastModified } from './copy-last-modified';
import { conditionalPutMiddleware } from './conditional-put';
import { createOnlyGuardMiddleware, type CreateOnlyPrefixes, readCreateOnlyPrefixes } from './create-only-guard';
import { chargeConsistentScans } from './consistent-scan-capacity';
import { acceptTableArns } from './table-arn-names';
import { objectLockMiddleware } from './object-lock';
import { emulateTableProtection } from './table-protection';
import { TableProtectionState } from './table-protection-state';
import { type RegionState } from './region-control-protocol';
import { objectTaggingMiddleware } from './object-tagging';
import { abortMultipartUploadMiddleware } from './abort-multipart-upload';
import { multipartChecksumMiddleware, noteChecksumTrailer } from './multipart-checksums';
import { multipartWebsiteRedirectMiddleware } from './multipart-website-redirect';
import { storageClassMiddleware } from './storage-classes';
import { listingContinuationTokenMiddleware } from './listing-continuation-tokens';
import { listingUrlEncodingMiddleware } from './listing-url-encoding';
import { keyRoutingMiddleware } from './s3-key-routing';
import { keyLengthLimitMiddleware } from './key-length-limit';
import { ObjectKeyLocks, objectReadWriteLockMiddleware } from './object-read-write-lock';
import { failWritesNotTheCloud } from './object-file-writes';

/**
 * One region of the local cloud: its s3rver and its dynalite, on 127.0.0.1. A region can be stopped
 * (both servers closed, dynalite's LevelDB closed: clients get ECONNREFUSED, as from an unreachable
 * region) and started again on the same ports with the same data directories, so the endpoints in
 * cloud.json and in clients already built stay valid. Each start builds fresh server instances: a
 * closed s3rver has closed its logger, and a fresh dynalite opens the LevelDB the previous one closed.
 */
export const LOOPBACK = '127.0.0.1';

export type RegionServersOptions = {
  dataDir: string;
  region: string;
  /** Account id dynalite puts in table ARNs, and the owner of every bucket not created as another account's (bucket-owners.ts). */
  account: string;
  /** Fixed ports; 0 or absent picks a free one on the first start (later starts reuse it). */
  ports?: { s3?: number; dynamodb?: number };
  /** S3 Replication (bucket-replication.ts): its middleware goes into every s3rver of the region. */
  replication?: { middleware(region: string): S3rver.Middleware };
  /** DynamoDB global tables (table-replication.ts): put in front of every dynalite of the region before it listens. */
  tableReplication?: { intercept(region: string, server: Server): void };
};

export type RegionEndpoints = { s3: string; dynamodb: string };

/** How long a closing server lets in-flight requests finish before cutting their connections. */
const CLOSE_GRACE_MS = 2000;

function portOf(address: AddressInfo | string | null): number {
  if (address === null || typeof address === 'string') throw new Error(`unexpected server address ${String(address)}`);
  return address.port;
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

/**
 * s3rver's run() passes server.listen a callback, which Node calls only once listening: a port another
 * program holds (EADDRINUSE) became an 'error' event nobody listened to and crashed the whole cloud,
 * every region with it. Its listen() with a callback returns the server, so the error can be caught;
 * run()'s other step, configuring buckets, has nothing to do (no `configureBuckets` is given).
 */
function listenS3rver(s3: S3rver, port: number): Promise<AddressInfo | string | null> {
  return new Promise((resolve, reject) => {
    const server = s3.listen(port, LOOPBACK, () => {
      server.off('error', onError);
      s3.httpServer = server;
      resolve(server.address());
    });
    const onError = (err: Error): void => {
      // Closing the server that never listened emits 'close', on which s3rver closes its logger.
      server.close(() => undefined);
      reject(err);
    };
    server.once('error', onError);
  });
}

/** Stops accepting at once (idle keep-alive connections close too); in-flight requests get CLOSE_GRACE_MS. */
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

type S3rverState = {
  objectLockDir: string;
  storageClassDir: string;
  owners: BucketOwners;
  security: BucketSecurityState;
  lifecycle: BucketLifecycleState;
  /** The create-only guard's prefixes (create-only-guard.ts), when startLocalCloud was given some. */
  createOnly?: CreateOnlyPrefixes;
};

function createS3rver(directory: string, state: S3rverState, port: number, replication: S3rver.Middleware | undefined): S3rver {
  const s3 = new S3rver({
    address: LOOPBACK,
    port,
    directory,
    silent: true,
    // Path-style only: clients use forcePathStyle, and the Host header is 127.0.0.1.
    vhostBuckets: false,
  });
  // A file that cannot be written fails its request, not the cloud process. First: confineObjectKeys wraps the part writes it makes.
  const keyLocks = new ObjectKeyLocks();
  failWritesNotTheCloud(s3.store, keyLocks);
  // Keys stay verbatim and inside their bucket (`../other-bucket/x`, `a/../b`): s3rver made paths of them as they came.
  confineObjectKeys(s3.store);
  cacheBucketLookups(s3.store);
  // A CopyObject, also onto itself, moves the target's LastModified, which s3rver takes from the file's mtime.
  copyMovesLastModified(s3.store);
  // koa-logger formats every request and response line (chalk, then winston's colorize and
  // splat) even though `silent` drops them at the transport: a tenth of the cloud's CPU for no
  // output. Errors still reach s3rver's own logger.
  const requestLogger = s3.middleware.findIndex((m) => m.name === 'logger');
  if (requestLogger >= 0) s3.middleware.splice(requestLogger, 1);
  // First in line: SDK v3 uploads streams as aws-chunked bodies, which s3rver would store verbatim.
  s3.middleware.unshift(async (ctx, next) => {
    if (isAwsChunked(ctx.headers)) {
      // The decoding drops the trailer's name from the headers; the multipart checksum rules need to know it was sent.
      const trailer = ctx.headers['x-amz-trailer'];
      if (typeof trailer === 'string') noteChecksumTrailer(ctx, trailer);
      rewriteAwsChunkedHeaders(ctx.headers);
      ctx.req = ctx.req.pipe(new AwsChunkedDecoder());
    }
    await next();
  });
  // After it (unshift puts it first): s3rver ignores If-None-Match, which the vault's creation relies on.
  s3.middleware.splice(1, 0, conditionalPutMiddleware(s3.store));
  // Before it: a request for another account's bucket is refused before it could write anything.
  s3.middleware.splice(1, 0, expectedBucketOwnerMiddleware(s3.store, state.owners));
  // Outside s3rver's XML encoder, so a DeleteObjects result reaches it as the XML S3 answers; outside Object Lock, so a refused write is not replicated.
  if (replication) s3.middleware.splice(3, 0, replication);
  // Then Object Lock, which s3rver lacks: a conditional PUT of an existing key is answered 412 before a lock is looked at.
  s3.middleware.splice(replication ? 4 : 3, 0, objectLockMiddleware(s3.store, { dir: state.objectLockDir }));
  // Then default encryption and Block Public Access, which s3rver answers 501; it sees CreateBucket and DeleteBucket pass.
  const security = bucketSecurityMiddleware(s3.store, state.security);
  s3.middleware.splice(replication ? 5 : 4, 0, security);
  // Inside Object Lock (a refused overwrite changes no class), still outside the XML encoder (listings are rewritten as XML).
  const storageClasses = storageClassMiddleware(s3.store, { dir: state.storageClassDir });
  s3.middleware.splice(replication ? 6 : 5, 0, storageClasses);
  // Object tags as S3 keeps them (x-amz-tagging of writes, a write's new tag set, x-amz-tagging-count of reads): s3rver keeps them only through PutObjectTagging.
  s3.middleware.splice(replication ? 7 : 6, 0, objectTaggingMiddleware(s3.store));
  // AbortMultipartUpload, which s3rver answers 405 (behind the owner check, like every write).
  s3.middleware.splice(replication ? 8 : 7, 0, abortMultipartUploadMiddleware(s3.store));
  // Beside it: the checksum rules of multipart uploads created with an algorithm, which s3rver ignores.
  s3.middleware.splice(replication ? 9 : 8, 0, multipartChecksumMiddleware(s3.store));
  // After it: the website redirect of a CreateMultipartUpload, which s3rver refuses (a restore sets the recorded one).
  s3.middleware.splice(replication ? 10 : 9, 0, multipartWebsiteRedirectMiddleware(s3.store));
  // Right after the conditional PUT (behind the owner check): s3rver ignores If-Match on GET and HEAD, which byte-range backups rely on.
  s3.middleware.splice(3, 0, conditionalGetMiddleware(s3.store));
  // Opt-in, between the owner check and the conditional PUT: IAM refuses a plain write to a create-only prefix (403)
  // before S3 looks at the key (412).
  if (state.createOnly) s3.middleware.splice(2, 0, createOnlyGuardMiddleware(state.createOnly));
  // Beside it, as IAM is: a bucket policy's Deny of object writes to everyone (a drill's sealed scratch bucket) refuses them (403).
  s3.middleware.splice(2, 0, bucketPolicyMiddleware(s3.store, new BucketPolicies()));
  // Outermost (added last: the indexes above count from the aws-chunked decoder), so every middleware and s3rver's
  // router see one path: a key with an empty segment (`a//d`) in a form the router takes.
  s3.middleware.unshift(keyRoutingMiddleware());
  // Right behind it, in front of every write: S3 refuses a key over 1,024 bytes before looking at anything else.
  s3.middleware.splice(1, 0, keyLengthLimitMiddleware());
  // Behind them, in front of everything that reads an object: S3's reads and writes of one key are atomic to each other.
  s3.middleware.splice(2, 0, objectReadWriteLockMiddleware(keyLocks));
  // Right outside the storage classes, which read a listing's keys as XML text: encoding-type=url, which s3rver ignores.
  s3.middleware.splice(s3.middleware.indexOf(storageClasses), 0, listingUrlEncodingMiddleware());
  // Between them: ListObjectsV2's continuation tokens, which s3rver's lose the part of a key after a CR or LF; the
  // encoding middleware then encodes the listing this one leaves as raw XML.
  s3.middleware.splice(s3.middleware.indexOf(storageClasses), 0, listingContinuationTokenMiddleware());
  // Right behind the bucket security, which it resembles: lifecycle configurations, which s3rver answers 501 (kept, never run).
  s3.middleware.splice(s3.middleware.indexOf(security) + 1, 0, bucketLifecycleMiddleware(s3.store, state.lifecycle));
  return s3;
}

function createDynalite(path: string, region: string, account: string): Server {
  // AWS's 400 KB item limit counts UTF-8 bytes; dynalite's counts UTF-16 units.
  measureDynaliteItemsInBytes();
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

/**
 * LevelDB opens lazily: a store that cannot open (its LOCK still held) would answer every request
 * with an error while the port accepts connections. One read proves the reopened region serves its
 * tables. The SDK is loaded only here, so a cloud that never restarts a region does not pay for it.
 */
async function checkDynamoDbServes(endpoint: string, region: string): Promise<void> {
  const { DynamoDBClient, ListTablesCommand } = await import('@aws-sdk/client-dynamodb');
  const client = new DynamoDBClient({ region, endpoint, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' }, maxAttempts: 1 });
  try {
    await client.send(new ListTablesCommand({ Limit: 1 }));
  } finally {
    client.destroy();
  }
}

type Running = { s3: S3rver; dynamo: Server };

export class RegionServers {
  readonly region: string;
  private readonly options: RegionServersOptions;
  private ports: { s3: number; dynamodb: number };
  private running: Running | undefined;
  private startedBefore = false;
  /** Transitions run one at a time: a stop racing a start (or the shutdown) waits for it. */
  private transitions: Promise<unknown> = Promise.resolve();

  private constructor(options: RegionServersOptions) {
    this.region = options.region;
    this.options = options;
    this.ports = { s3: options.ports?.s3 ?? 0, dynamodb: options.ports?.dynamodb ?? 0 };
  }

  /** Starts the region's servers; the ports they got are kept for every later start. */
  static async start(options: RegionServersOptions): Promise<RegionServers> {
    const region = new RegionServers(options);
    await region.start();
    return region;
  }

  get state(): RegionState {
    return this.running ? 'up' : 'stopped';
  }

  /** The s3rver object store while the region is up (the replicator reads and writes objects through it). */
  get s3Store(): S3rver.Store | undefined {
    return this.running?.s3.store;
  }

  get endpoints(): RegionEndpoints {
    return { s3: `http://${LOOPBACK}:${this.ports.s3}`, dynamodb: `http://${LOOPBACK}:${this.ports.dynamodb}` };
  }

  /** Opens both servers; false (and nothing done) when the region is already up. */
  start(): Promise<boolean> {
    return this.serialize(async () => {
      if (this.running) return false;
      this.running = await this.open();
      return true;
    });
  }

  /** Closes both servers and the LevelDB, data kept on disk; false (and nothing done) when already stopped. */
  stop(): Promise<boolean> {
    return this.serialize(async () => {
      const running = this.running;
      if (!running) return false;
      this.running = undefined;
      await closeRunning(running);
      return true;
    });
  }

  private serialize<T>(transition: () => Promise<T>): Promise<T> {
    const result = this.transitions.then(transition);
    this.transitions = result.catch(() => undefined);
    return result;
  }

  private async open(): Promise<Running> {
    const layout = dataDirLayout(this.options.dataDir);
    const s3Dir = layout.s3Dir(this.region);
    const dynamoDir = layout.dynamoDbDir(this.region);
    mkdirSync(s3Dir, { recursive: true });
    mkdirSync(dynamoDir, { recursive: true });

    const s3State: S3rverState = {
      objectLockDir: layout.s3ObjectLockDir(this.region),
      storageClassDir: layout.s3StorageClassDir(this.region),
      owners: new BucketOwners(layout.s3OwnersFile(this.region), this.options.account),
      security: new BucketSecurityState(layout.s3BucketSecurityFile(this.region)),
      lifecycle: new BucketLifecycleState(layout.s3BucketLifecycleFile(this.region)),
    };
    const createOnly = readCreateOnlyPrefixes(this.options.dataDir);
    if (createOnly) s3State.createOnly = createOnly;
    const s3 = createS3rver(s3Dir, s3State, this.ports.s3, this.options.replication?.middleware(this.region));
    const s3Port = portOf(await listenS3rver(s3, this.ports.s3));
    const dynamo = createDynalite(dynamoDir, this.region, this.options.account);
    // Before the replicator, which expects one listener in front of it.
    chargeConsistentScans(dynamo);
    emulateTableProtection(dynamo, { region: this.region, account: this.options.account, state: new TableProtectionState(layout.dynamoDbProtectionFile(this.region)) });
    this.options.tableReplication?.intercept(this.region, dynamo);
    // Outermost: every layer inside sees table names, as it would for a request by name.
    acceptTableArns(dynamo, { region: this.region, account: this.options.account });
    let dynamoPort: number;
    try {
      dynamoPort = portOf(await listen(dynamo, this.ports.dynamodb));
      this.ports = { s3: s3Port, dynamodb: dynamoPort };
      if (this.startedBefore) await checkDynamoDbServes(this.endpoints.dynamodb, this.region);
    } catch (err) {
      await closeRunning({ s3, dynamo }).catch(() => undefined);
      throw err;
    }
    this.startedBefore = true;
    return { s3, dynamo };
  }
}

/**
 * dynalite's close() closes its LevelDB (releasing the LOCK the next start needs) only after closing
 * a listening server; one that could not get its port is put on a free one just to be closed.
 */
async function closeDynalite(dynamo: Server): Promise<void> {
  if (!dynamo.listening) await listen(dynamo, 0);
  await closeServer(dynamo, (cb) => dynamo.close(cb));
}

async function closeRunning({ s3, dynamo }: Running): Promise<void> {
  const http = s3.httpServer;
  const results = await Promise.allSettled([http?.listening ? closeServer(http, (cb) => http.close(cb)) : Promise.resolve(), closeDynalite(dynamo)]);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}
