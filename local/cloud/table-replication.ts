import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import type * as DynamoDbSdk from '@aws-sdk/client-dynamodb';
import { type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { LOCAL_CREDENTIALS } from '../../lambdas/runtime/local-endpoints';
import { DelayedWriteQueue } from './delayed-write-queue';
import { type RegionState } from './region-control-protocol';
import { readRequestBody } from './request-reads';

/**
 * DynamoDB global tables in the local cloud (docs/LOCAL-CLOUD.md, "DynamoDB global tables"): which
 * tables have replicas in which regions (UpdateTable with `ReplicaUpdates`, which dynalite lacks; kept
 * in `<dataDir>/table-replication.json`), and a replicator in front of each region's dynalite that
 * queues the keys of every successful PutItem, UpdateItem, DeleteItem, BatchWriteItem and
 * TransactWriteItems on a replicated table and, `delayMs` later, copies the item as the source region
 * then holds it into every other replica region (or deletes it there when it is gone). Replication goes
 * both ways; the replicator's own writes carry REPLICATED_WRITE_HEADER and are not queued again. Writes
 * are applied in the order they arrived (one queue for the whole cloud), and a write is skipped when
 * a later write of the same key in another region is queued: that one wins everywhere (last writer
 * wins by arrival). While a region of the table is stopped nothing is replicated: the writes wait in
 * order and go once every region is up again. Writes waiting when the cloud stops are lost.
 */

/** Marks the replicator's own writes, so the region receiving them does not replicate them back. */
export const REPLICATED_WRITE_HEADER = 'x-lifeboat-replicated-write';

/** What the replicator needs of a region: its state and its DynamoDB endpoint (stable across restarts). */
export type TableReplicationRegion = { readonly region: string; readonly state: RegionState; readonly endpoints: { readonly dynamodb: string } };

type Item = Record<string, AttributeValue>;
/** `item` is the written item (PutItem) or the key (the other writes): the key is projected from it when applied. */
type Pending = { seq: number; region: string; table: string; item: Item };

const TARGET_PREFIX = 'DynamoDB_20120810.';
/** Operations whose request bodies the replicator reads; every other request goes to dynalite untouched. */
const WATCHED = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem', 'TransactWriteItems', 'UpdateTable']);

type JsonObject = Record<string, unknown>;
const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The tables a successful write request touched, each with the item or key it names. */
export function writesOf(operation: string, request: JsonObject): { table: string; item: Item }[] {
  const one = (table: unknown, item: unknown): { table: string; item: Item }[] => (typeof table === 'string' && isObject(item) ? [{ table, item: item as Item }] : []);
  switch (operation) {
    case 'PutItem':
      return one(request.TableName, request.Item);
    case 'UpdateItem':
    case 'DeleteItem':
      return one(request.TableName, request.Key);
    case 'BatchWriteItem':
      return Object.entries(isObject(request.RequestItems) ? request.RequestItems : {}).flatMap(([table, requests]) =>
        (Array.isArray(requests) ? requests : []).flatMap((r: unknown) => (isObject(r) ? [...(isObject(r.PutRequest) ? one(table, r.PutRequest.Item) : []), ...(isObject(r.DeleteRequest) ? one(table, r.DeleteRequest.Key) : [])] : [])),
      );
    case 'TransactWriteItems':
      return (Array.isArray(request.TransactItems) ? request.TransactItems : []).flatMap((t: unknown) => {
        if (!isObject(t)) return [];
        if (isObject(t.Put)) return one(t.Put.TableName, t.Put.Item);
        if (isObject(t.Update)) return one(t.Update.TableName, t.Update.Key);
        if (isObject(t.Delete)) return one(t.Delete.TableName, t.Delete.Key);
        return [];
      });
    default:
      return [];
  }
}

const keyText = (item: Item, keyNames: readonly string[]): string => JSON.stringify(keyNames.map((k) => item[k] ?? null));

/** The request again, its body already read, for dynalite's handler (which reads headers, method, url and the body's events). */
export function replay(req: IncomingMessage, body: Buffer): IncomingMessage {
  return Object.assign(Readable.from(body.length ? [body] : [], { objectMode: false }), { headers: req.headers, method: req.method, url: req.url }) as unknown as IncomingMessage;
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/x-amz-json-1.0');
  res.setHeader('Content-Length', Buffer.byteLength(text));
  res.end(text);
}

const sendError = (res: ServerResponse, type: string, message: string): void => sendJson(res, 400, { __type: `com.amazonaws.dynamodb.v20120810#${type}`, message });

export class TableReplicator {
  readonly delayMs: number;
  private readonly file: string;
  /** table name -> the regions holding a replica, sorted. */
  private readonly tables = new Map<string, string[]>();
  private readonly keyNames = new Map<string, Promise<string[]>>();
  private readonly writes: DelayedWriteQueue<Pending>;
  private readonly clients = new Map<string, DynamoDBClient>();
  private regions: readonly TableReplicationRegion[] = [];
  private sdk: Promise<typeof DynamoDbSdk> | undefined;
  private seq = 0;
  private stopped = false;
  private readonly log: (message: string) => void;

  constructor(options: { dataDir: string; delayMs: number; log?: (message: string) => void }) {
    this.file = path.join(options.dataDir, 'table-replication.json');
    this.delayMs = options.delayMs;
    this.log = options.log ?? (() => undefined);
    this.writes = new DelayedWriteQueue<Pending>({
      delayMs: options.delayMs,
      apply: (write) => this.apply(write),
      describe: (write) => `table replication of ${write.table} ${JSON.stringify(write.item)} (${write.region})`,
      log: this.log,
    });
    if (existsSync(this.file)) {
      const saved = JSON.parse(readFileSync(this.file, 'utf8')) as Record<string, string[]>;
      for (const [table, regions] of Object.entries(saved)) this.tables.set(table, regions);
    }
  }

  /** The regions, once their servers exist. */
  attach(regions: readonly TableReplicationRegion[]): void {
    this.regions = regions;
  }

  stop(): void {
    this.stopped = true;
    this.writes.stop();
    for (const client of this.clients.values()) client.destroy();
    this.clients.clear();
  }

  /** The regions holding a replica of `table`, or none when it is not a global table. */
  replicasOf(table: string): readonly string[] {
    return this.tables.get(table) ?? [];
  }

  /**
   * Puts the replicator in front of a freshly created dynalite of `region` (before it listens): dynalite's
   * request listener is replaced by one that reads the bodies of the watched operations, hands the request
   * on, and queues the write once dynalite answered 200.
   */
  intercept(region: string, server: Server): void {
    const listeners = server.listeners('request') as RequestListener[];
    const dynalite = listeners[0];
    if (listeners.length !== 1 || !dynalite) throw new Error(`dynalite of ${region} has ${listeners.length} request listeners; expected its own only`);
    server.removeAllListeners('request');
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      const target = String(req.headers['x-amz-target'] ?? '');
      const operation = target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : '';
      const watched = req.method === 'POST' && WATCHED.has(operation) && req.headers[REPLICATED_WRITE_HEADER] === undefined && (operation === 'UpdateTable' || this.tables.size > 0);
      if (!watched) {
        dynalite.call(server, req, res);
        return;
      }
      readRequestBody(req).then(
        (body) => this.handle(region, operation, req, body, res, dynalite.bind(server)),
        () => res.destroy(),
      );
    });
  }

  private handle(region: string, operation: string, req: IncomingMessage, body: Buffer, res: ServerResponse, dynalite: RequestListener): void {
    let request: JsonObject | undefined;
    try {
      const parsed: unknown = JSON.parse(body.toString('utf8'));
      if (isObject(parsed)) request = parsed;
    } catch {
      // dynalite answers a body that is not JSON itself.
    }
    if (operation === 'UpdateTable' && request?.ReplicaUpdates !== undefined) {
      void this.updateReplicas(region, request, res);
      return;
    }
    if (request && operation !== 'UpdateTable') {
      const writes = writesOf(operation, request);
      res.once('finish', () => {
        if (res.statusCode !== 200) return;
        for (const write of writes) this.enqueue(region, write.table, write.item);
      });
    }
    dynalite(replay(req, body), res);
  }

  /** UpdateTable's ReplicaUpdates (global tables version 2019.11.21): the local cloud records the replicas; the tables must exist already (the provisioner creates them). */
  private async updateReplicas(region: string, request: JsonObject, res: ServerResponse): Promise<void> {
    const table = request.TableName;
    const updates = request.ReplicaUpdates;
    if (typeof table !== 'string' || !table) return sendError(res, 'ValidationException', 'TableName is required');
    const others = Object.keys(request).filter((k) => k !== 'TableName' && k !== 'ReplicaUpdates');
    if (others.length) return sendError(res, 'ValidationException', `ReplicaUpdates cannot be combined with ${others.join(', ')} in one UpdateTable`);
    if (!Array.isArray(updates) || updates.length === 0) return sendError(res, 'ValidationException', 'ReplicaUpdates must be a non-empty list');
    const regions = new Set(this.tables.get(table) ?? [region]);
    regions.add(region);
    for (const update of updates as unknown[]) {
      const create = isObject(update) && isObject(update.Create) ? update.Create.RegionName : undefined;
      const remove = isObject(update) && isObject(update.Delete) ? update.Delete.RegionName : undefined;
      const name = create ?? remove;
      if (typeof name !== 'string') return sendError(res, 'ValidationException', 'each ReplicaUpdates entry needs Create.RegionName or Delete.RegionName');
      if (!this.regions.some((r) => r.region === name)) {
        return sendError(res, 'ValidationException', `the local cloud serves no DynamoDB in ${name} (it serves ${this.regions.map((r) => r.region).join(', ')})`);
      }
      if (create !== undefined) regions.add(name);
      else regions.delete(name);
    }
    const sdk = await this.loadSdk();
    for (const r of regions) {
      try {
        await (await this.client(r)).send(new sdk.DescribeTableCommand({ TableName: table }));
      } catch (err) {
        const name = (err as Error).name;
        return sendError(res, name === 'ResourceNotFoundException' ? name : 'ValidationException', `table ${table} in ${r}: ${(err as Error).message} (locally a replica table must exist before it becomes a replica)`);
      }
    }
    const sorted = [...regions].sort();
    if (sorted.length > 1) this.tables.set(table, sorted);
    else this.tables.delete(table);
    this.save();
    this.log(`table replication of ${table}: ${sorted.length > 1 ? sorted.join(', ') : 'none'}`);
    sendJson(res, 200, { TableDescription: { TableName: table, TableStatus: 'ACTIVE', Replicas: sorted.map((RegionName) => ({ RegionName, ReplicaStatus: 'ACTIVE' })) } });
  }

  private save(): void {
    const tmp = `${this.file}.tmp`;
    writeFileSync(tmp, JSON.stringify(Object.fromEntries(this.tables), null, 2));
    renameSync(tmp, this.file);
  }

  private enqueue(region: string, table: string, item: Item): void {
    if (!this.tables.get(table)?.includes(region) || this.stopped) return;
    this.writes.push({ seq: ++this.seq, region, table, item });
  }

  /** One write copied from its region into every other replica region; false when one of them is down. */
  private async apply(write: Pending): Promise<boolean> {
    const replicas = this.tables.get(write.table) ?? [];
    // No longer a global table (or no longer with this region): replicated as the table is now, like S3.
    if (!replicas.includes(write.region)) return true;
    const involved = replicas.flatMap((name) => {
      const region = this.regions.find((r) => r.region === name);
      return region ? [region] : [];
    });
    if (involved.some((r) => r.state !== 'up')) return false;
    const targets = involved.filter((r) => r.region !== write.region);
    let keyNames: string[];
    try {
      keyNames = await this.keyNamesIn(write.region, write.table);
    } catch (err) {
      if ((err as Error).name !== 'ResourceNotFoundException') throw err;
      this.log(`table replication of ${write.table} (${write.region}): the table is gone from ${write.region}; skipped`);
      return true;
    }
    const key = Object.fromEntries(keyNames.map((k) => [k, write.item[k] as AttributeValue]));
    const text = keyText(write.item, keyNames);
    // Last writer wins: a later write of this key in another region is queued, and it will overwrite this one everywhere.
    if (this.writes.pending().some((o) => o.seq > write.seq && o.table === write.table && o.region !== write.region && keyText(o.item, keyNames) === text)) return true;
    const sdk = await this.loadSdk();
    const source = await this.client(write.region);
    let item: Item | undefined;
    try {
      item = (await source.send(new sdk.GetItemCommand({ TableName: write.table, Key: key, ConsistentRead: true }))).Item;
    } catch (err) {
      if ((err as Error).name !== 'ResourceNotFoundException') throw err;
      this.log(`table replication of ${write.table} ${text}: the table is gone from ${write.region}; skipped`);
      return true;
    }
    for (const target of targets) {
      const client = await this.client(target.region);
      try {
        if (item) await client.send(new sdk.PutItemCommand({ TableName: write.table, Item: item }));
        else await client.send(new sdk.DeleteItemCommand({ TableName: write.table, Key: key }));
      } catch (err) {
        if ((err as Error).name !== 'ResourceNotFoundException') throw err;
        this.log(`table replication of ${write.table} ${text}: no replica table in ${target.region}; skipped`);
        continue;
      }
      this.log(`table replication: ${write.table} ${text} ${item ? 'put' : 'delete'} ${write.region} -> ${target.region}`);
    }
    return true;
  }

  /** The key attributes of a table, from DescribeTable (the same in every replica), read once per table. */
  private keyNamesIn(region: string, table: string): Promise<string[]> {
    const cached = this.keyNames.get(table);
    if (cached) return cached;
    const described = (async (): Promise<string[]> => {
      const sdk = await this.loadSdk();
      const { Table } = await (await this.client(region)).send(new sdk.DescribeTableCommand({ TableName: table }));
      return (Table?.KeySchema ?? []).flatMap((k) => (k.AttributeName ? [k.AttributeName] : []));
    })();
    this.keyNames.set(table, described);
    // A failed lookup (table missing, region down) is asked again next time.
    described.catch(() => this.keyNames.delete(table));
    return described;
  }

  /**
   * The region's own loopback endpoint through the SDK, not dynalite's internals: its store and
   * validation are private to the closure dynalite() builds, and the public API keeps the replicas'
   * writes exactly what a client's would be. The SDK is loaded on first use, so a cloud without global
   * tables does not pay for it at start.
   */
  private loadSdk(): Promise<typeof DynamoDbSdk> {
    this.sdk ??= import('@aws-sdk/client-dynamodb');
    return this.sdk;
  }

  private async client(region: string): Promise<DynamoDBClient> {
    const existing = this.clients.get(region);
    if (existing) return existing;
    const endpoint = this.regions.find((r) => r.region === region)?.endpoints.dynamodb;
    if (!endpoint) throw new Error(`the local cloud serves no DynamoDB in ${region}`);
    const sdk = await this.loadSdk();
    const again = this.clients.get(region);
    if (again) return again;
    // One attempt: a stopped region is waited for by the queue, not by the SDK's retries.
    const client = new sdk.DynamoDBClient({ region, endpoint, credentials: LOCAL_CREDENTIALS, maxAttempts: 1 });
    client.middlewareStack.add(
      (next) => async (args) => {
        const request = args.request as { headers?: Record<string, string> };
        if (request.headers) request.headers[REPLICATED_WRITE_HEADER] = '1';
        return next(args);
      },
      { step: 'build', name: 'lifeboatReplicatedWrite' },
    );
    this.clients.set(region, client);
    return client;
  }
}
