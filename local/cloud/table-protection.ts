import { createHash } from 'node:crypto';
import { type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import { crc32 } from 'node:zlib';
import { readRequestBody } from './request-reads';
import { replay } from './table-replication';
import { type LocalTableProtection, type TableProtectionState } from './table-protection-state';
import { measureTable, type ScanPage } from './table-size';

/**
 * A table's protection in the local cloud (docs/LOCAL-CLOUD.md, "Table protection"), which dynalite
 * lacks, in front of a region's dynalite:
 *
 * - CreateTable's SSESpecification (a KMS key: its ARN, a key id of the region, or none for the AWS
 *   managed key `aws/dynamodb`; a key ARN of another region is refused as AWS refuses it),
 *   DeletionProtectionEnabled and Tags (given to dynalite's TagResource, so ListTagsOfResource has
 *   them); UpdateTable's DeletionProtectionEnabled and SSESpecification;
 * - DescribeTable (and the descriptions CreateTable, UpdateTable and DeleteTable answer) with
 *   SSEDescription and DeletionProtectionEnabled, as AWS describes them; DescribeTable of an ACTIVE
 *   table also with its measured ItemCount and TableSizeBytes (table-size.ts);
 * - DeleteTable of a table with deletion protection: 400 ValidationException, as AWS;
 * - DescribeContinuousBackups and UpdateContinuousBackups (point-in-time recovery, its recovery
 *   period of 1 to 35 days, and restorable times): the setting only, there is nothing to restore from.
 *
 * Requests that name none of these pass to dynalite untouched; the state is kept in TableProtectionState.
 */
const PREFIX = 'DynamoDB_20120810.';
const HANDLED = new Set(['CreateTable', 'DescribeTable', 'UpdateTable', 'DeleteTable', 'DescribeContinuousBackups', 'UpdateContinuousBackups']);

type JsonObject = Record<string, unknown>;
const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

type Answer = { status: number; body: JsonObject };

class DynamoDbFailure extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

const validation = (message: string): DynamoDbFailure => new DynamoDbFailure('ValidationException', message);

export type TableProtectionOptions = { region: string; account: string; state: TableProtectionState; now?: () => Date };

/** The ARN the local cloud gives the region's AWS managed key `aws/dynamodb` (one per region and account, as in AWS). */
export function localAwsManagedKeyArn(region: string, account: string): string {
  const hex = createHash('sha256').update(`aws/dynamodb:${region}:${account}`).digest('hex');
  return `arn:aws:kms:${region}:${account}:key/${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

export function emulateTableProtection(server: Server, options: TableProtectionOptions): void {
  const listeners = server.listeners('request') as RequestListener[];
  const inner = listeners[0];
  if (listeners.length !== 1 || !inner) throw new Error(`dynalite has ${listeners.length} request listeners; expected one in front of it`);
  server.removeAllListeners('request');
  const dynalite = (req: IncomingMessage, body: Buffer, operation?: string): Promise<Answer> => callInner(server, inner, req, body, operation);
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const target = req.headers['x-amz-target'];
    const operation = typeof target === 'string' && target.startsWith(PREFIX) ? target.slice(PREFIX.length) : undefined;
    if (req.method !== 'POST' || operation === undefined || !HANDLED.has(operation)) {
      inner.call(server, req, res);
      return;
    }
    readRequestBody(req).then(
      async (body) => {
        let request: unknown;
        try {
          request = JSON.parse(body.toString('utf8'));
        } catch {
          // dynalite answers a body that is not JSON itself.
          inner.call(server, replay(req, body), res);
          return;
        }
        if (!isObject(request) || typeof request.TableName !== 'string') {
          inner.call(server, replay(req, body), res);
          return;
        }
        const answer = await handle(operation, request as JsonObject & { TableName: string }, req, dynalite, options).catch((err: unknown) => {
          if (err instanceof DynamoDbFailure) return { status: 400, body: { __type: `com.amazonaws.dynamodb.v20120810#${err.type}`, message: err.message } };
          throw err;
        });
        send(res, answer);
      },
      () => res.destroy(),
    ).catch(() => res.destroy());
  });
}

async function handle(operation: string, request: JsonObject & { TableName: string }, req: IncomingMessage, dynalite: (req: IncomingMessage, body: Buffer, operation?: string) => Promise<Answer>, options: TableProtectionOptions): Promise<Answer> {
  const { state } = options;
  const table = request.TableName;
  const json = (value: unknown): Buffer => Buffer.from(JSON.stringify(value));
  const describe = async (): Promise<JsonObject> => {
    const answer = await dynalite(req, json({ TableName: table }), 'DescribeTable');
    if (answer.status !== 200 || !isObject(answer.body.Table)) {
      if (operation === 'DescribeContinuousBackups' || operation === 'UpdateContinuousBackups') throw new DynamoDbFailure('TableNotFoundException', `Table not found: ${table}`);
      throw new DynamoDbFailure('ResourceNotFoundException', `Requested resource not found: Table: ${table} not found`);
    }
    return answer.body.Table;
  };
  switch (operation) {
    case 'CreateTable': {
      const kmsKeyArn = keyOfSse(request.SSESpecification, options);
      const deletionProtection = booleanField(request.DeletionProtectionEnabled, 'deletionProtectionEnabled');
      const tags = Array.isArray(request.Tags) ? request.Tags : [];
      const { SSESpecification: _sse, DeletionProtectionEnabled: _dp, Tags: _tags, ...rest } = request;
      const answer = await dynalite(req, json(rest));
      if (answer.status !== 200) return answer;
      const protection: LocalTableProtection = { deletionProtection, ...(kmsKeyArn ? { kmsKeyArn } : {}) };
      state.set(table, protection);
      const description = isObject(answer.body.TableDescription) ? answer.body.TableDescription : {};
      if (tags.length > 0) {
        const tagged = await dynalite(req, json({ ResourceArn: description.TableArn, Tags: tags }), 'TagResource');
        if (tagged.status !== 200) return tagged;
      }
      return { status: 200, body: { ...answer.body, TableDescription: withProtection(description, protection) } };
    }
    case 'DescribeTable': {
      const answer = await dynalite(req, json(request));
      if (answer.status !== 200 || !isObject(answer.body.Table)) return answer;
      const size = answer.body.Table.TableStatus === 'ACTIVE' ? await measureTable(scanPages(req, dynalite, table)) : undefined;
      const described = size ? { ...answer.body.Table, ItemCount: size.itemCount, TableSizeBytes: size.sizeBytes } : answer.body.Table;
      return { status: 200, body: { ...answer.body, Table: withProtection(described, state.of(table)) } };
    }
    case 'UpdateTable': {
      const { SSESpecification: sse, DeletionProtectionEnabled: dp, ...rest } = request;
      if (sse === undefined && dp === undefined) return dynalite(req, json(request));
      const kmsKeyArn = sse === undefined ? undefined : keyOfSse(sse, options);
      const deletionProtection = dp === undefined ? undefined : booleanField(dp, 'deletionProtectionEnabled');
      // Only protection changes: dynalite would refuse an UpdateTable without anything it knows to change.
      let description: JsonObject;
      if (Object.keys(rest).some((k) => k !== 'TableName')) {
        const answer = await dynalite(req, json(rest));
        if (answer.status !== 200) return answer;
        description = isObject(answer.body.TableDescription) ? answer.body.TableDescription : {};
      } else {
        description = await describe();
      }
      const updated = state.update(table, (current) => {
        const { kmsKeyArn: currentKey, ...others } = current;
        const key = sse === undefined ? currentKey : kmsKeyArn;
        return { ...others, ...(deletionProtection !== undefined ? { deletionProtection } : {}), ...(key ? { kmsKeyArn: key } : {}) };
      });
      return { status: 200, body: { TableDescription: withProtection(description, updated) } };
    }
    case 'DeleteTable': {
      if (state.of(table).deletionProtection) throw validation('Resource cannot be deleted as it is currently protected against deletion. Disable deletion protection first.');
      const answer = await dynalite(req, json(request));
      if (answer.status === 200) state.forget(table);
      return answer;
    }
    case 'DescribeContinuousBackups': {
      await describe();
      return { status: 200, body: continuousBackups(state.of(table), options.now?.() ?? new Date()) };
    }
    default: {
      // UpdateContinuousBackups
      const spec = request.PointInTimeRecoverySpecification;
      if (!isObject(spec)) throw validation("1 validation error detected: Value null at 'pointInTimeRecoverySpecification' failed to satisfy constraint: Member must not be null");
      const enabled = booleanField(spec.PointInTimeRecoveryEnabled, 'pointInTimeRecoverySpecification.pointInTimeRecoveryEnabled', true);
      const period = spec.RecoveryPeriodInDays;
      if (period !== undefined && (typeof period !== 'number' || !Number.isInteger(period) || period < 1 || period > 35)) {
        throw validation(`1 validation error detected: Value '${String(period)}' at 'pointInTimeRecoverySpecification.recoveryPeriodInDays' failed to satisfy constraint: Member must have value between 1 and 35`);
      }
      if (!enabled && period !== undefined) throw validation('RecoveryPeriodInDays can only be set when point-in-time recovery is enabled');
      await describe();
      const now = options.now?.() ?? new Date();
      const updated = state.update(table, (current) => {
        const { pointInTimeRecovery: previous, ...others } = current;
        if (!enabled) return others;
        return { ...others, pointInTimeRecovery: { recoveryPeriodInDays: typeof period === 'number' ? period : (previous?.recoveryPeriodInDays ?? 35), enabledAt: previous?.enabledAt ?? now.toISOString() } };
      });
      return { status: 200, body: continuousBackups(updated, now) };
    }
  }
}

/** Pages of a whole-table Scan through dynalite, for measureTable. */
function scanPages(req: IncomingMessage, dynalite: (req: IncomingMessage, body: Buffer, operation?: string) => Promise<Answer>, table: string): ScanPage {
  return async (exclusiveStartKey) => {
    const answer = await dynalite(req, Buffer.from(JSON.stringify({ TableName: table, ...(exclusiveStartKey ? { ExclusiveStartKey: exclusiveStartKey } : {}) })), 'Scan');
    if (answer.status !== 200) throw new Error(`the local DynamoDB could not scan ${table} to measure it: ${JSON.stringify(answer.body)}`);
    return { items: Array.isArray(answer.body.Items) ? answer.body.Items : [], lastEvaluatedKey: isObject(answer.body.LastEvaluatedKey) ? answer.body.LastEvaluatedKey : undefined };
  };
}

function booleanField(value: unknown, field: string, required = false): boolean {
  if (value === undefined && !required) return false;
  if (typeof value !== 'boolean') throw validation(`1 validation error detected: Value '${String(value)}' at '${field}' failed to satisfy constraint: Member must be a boolean`);
  return value;
}

/** The KMS key an SSESpecification asks for: undefined for the AWS owned key. */
function keyOfSse(sse: unknown, options: TableProtectionOptions): string | undefined {
  if (sse === undefined) return undefined;
  if (!isObject(sse)) throw validation('SSESpecification must be an object');
  const enabled = sse.Enabled === true;
  const keyId = sse.KMSMasterKeyId;
  if (!enabled) {
    if (keyId !== undefined || sse.SSEType !== undefined) throw validation('SSEType and KMSMasterKeyId can only be given when SSE is enabled');
    return undefined;
  }
  if (sse.SSEType !== undefined && sse.SSEType !== 'KMS') throw validation(`Unsupported SSEType ${String(sse.SSEType)}: only KMS can be specified`);
  if (keyId === undefined) return localAwsManagedKeyArn(options.region, options.account);
  if (typeof keyId !== 'string' || keyId === '') throw validation('KMSMasterKeyId must be a non-empty string');
  if (keyId.startsWith('arn:')) {
    const [, partition, service, region, account] = keyId.split(':');
    if (partition !== 'aws' || service !== 'kms' || !region || !account) throw validation(`Invalid KMSMasterKeyId: ${keyId} is not a KMS key ARN`);
    if (region !== options.region) throw validation(`KMS key ${keyId} is in ${region}, not in ${options.region}: a table can only be encrypted with a key of its own region`);
    return keyId;
  }
  // A key id or alias name of the region, as DescribeTable would resolve it.
  return `arn:aws:kms:${options.region}:${options.account}:${keyId.startsWith('alias/') ? keyId : `key/${keyId}`}`;
}

function withProtection(description: JsonObject, protection: LocalTableProtection): JsonObject {
  return {
    ...description,
    ...(protection.kmsKeyArn ? { SSEDescription: { Status: 'ENABLED', SSEType: 'KMS', KMSMasterKeyArn: protection.kmsKeyArn } } : {}),
    DeletionProtectionEnabled: protection.deletionProtection,
  };
}

/** As AWS describes continuous backups: always ENABLED (on-demand backups), point-in-time recovery as set, with the window it gives (epoch seconds). */
function continuousBackups(protection: LocalTableProtection, now: Date): JsonObject {
  const pitr = protection.pointInTimeRecovery;
  if (!pitr) return { ContinuousBackupsDescription: { ContinuousBackupsStatus: 'ENABLED', PointInTimeRecoveryDescription: { PointInTimeRecoveryStatus: 'DISABLED' } } };
  const seconds = (ms: number): number => Math.floor(ms / 1000);
  const earliest = Math.max(Date.parse(pitr.enabledAt), now.getTime() - pitr.recoveryPeriodInDays * 86_400_000);
  return {
    ContinuousBackupsDescription: {
      ContinuousBackupsStatus: 'ENABLED',
      PointInTimeRecoveryDescription: {
        PointInTimeRecoveryStatus: 'ENABLED',
        RecoveryPeriodInDays: pitr.recoveryPeriodInDays,
        EarliestRestorableDateTime: seconds(earliest),
        LatestRestorableDateTime: seconds(Math.max(earliest, now.getTime() - 300_000)),
      },
    },
  };
}

/** Sends a request through the listener behind this one and collects its answer (dynalite writes status, headers and one body with end). */
function callInner(server: Server, inner: RequestListener, req: IncomingMessage, body: Buffer, operation?: string): Promise<Answer> {
  const headers = operation ? { ...req.headers, 'x-amz-target': `${PREFIX}${operation}` } : req.headers;
  const request = replay(Object.assign(Object.create(req) as IncomingMessage, { headers }), body);
  return new Promise((resolve, reject) => {
    const response = {
      statusCode: 200,
      setHeader: () => response,
      getHeader: () => undefined,
      removeHeader: () => undefined,
      destroy: () => reject(new Error('the local DynamoDB dropped an internal request')),
      end: (chunk?: unknown) => {
        const text = typeof chunk === 'string' ? chunk : Buffer.isBuffer(chunk) ? chunk.toString('utf8') : '';
        let parsed: unknown;
        try {
          parsed = text ? JSON.parse(text) : {};
        } catch {
          parsed = { message: text };
        }
        resolve({ status: response.statusCode, body: isObject(parsed) ? parsed : {} });
        return response;
      },
    };
    inner.call(server, request, response as unknown as ServerResponse);
  });
}

function send(res: ServerResponse, answer: Answer): void {
  const text = JSON.stringify(answer.body);
  res.statusCode = answer.status;
  res.setHeader('Content-Type', 'application/x-amz-json-1.0');
  res.setHeader('Content-Length', Buffer.byteLength(text, 'utf8'));
  res.setHeader('x-amz-crc32', crc32(text));
  res.end(text);
}
