import { type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import { crc32 } from 'node:zlib';
import { readRequestBody } from './request-reads';
import { replay } from './table-replication';

const SCAN_TARGET = 'DynamoDB_20120810.Scan';

type JsonObject = Record<string, unknown>;
const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * dynalite 4 drops a Scan's ConsistentRead (its Scan validation does not list the field), so it reports
 * every Scan's ConsumedCapacity at the eventually consistent price: half a unit per started 4 KB. AWS
 * charges a strongly consistent Scan a whole unit per started 4 KB (docs/LOCAL-CLOUD.md, "Consumed
 * capacity"). This goes in front of a region's dynalite and doubles the units of a consistent Scan's
 * answer (table, and index figures where INDEXES asked for them) — dynalite rounds the bytes up to 4 KB
 * before halving, so the doubled figure is exactly AWS's. Every other request passes untouched.
 */
export function chargeConsistentScans(server: Server): void {
  const listeners = server.listeners('request') as RequestListener[];
  const dynalite = listeners[0];
  if (listeners.length !== 1 || !dynalite) throw new Error(`dynalite has ${listeners.length} request listeners; expected its own only`);
  server.removeAllListeners('request');
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (req.method !== 'POST' || req.headers['x-amz-target'] !== SCAN_TARGET) {
      dynalite.call(server, req, res);
      return;
    }
    readRequestBody(req).then(
      (body) => {
        if (asksConsistentCapacity(body)) doubleConsumedCapacity(res);
        dynalite.call(server, replay(req, body), res);
      },
      () => res.destroy(),
    );
  });
}

function asksConsistentCapacity(body: Buffer): boolean {
  try {
    const request: unknown = JSON.parse(body.toString('utf8'));
    return isObject(request) && request.ConsistentRead === true && (request.ReturnConsumedCapacity === 'TOTAL' || request.ReturnConsumedCapacity === 'INDEXES');
  } catch {
    // dynalite answers a body that is not JSON itself.
    return false;
  }
}

/** Rewrites the response dynalite is about to end: ConsumedCapacity's units × 2, with Content-Length and x-amz-crc32 to match. */
function doubleConsumedCapacity(res: ServerResponse): void {
  const end = res.end.bind(res) as (chunk?: unknown) => ServerResponse;
  res.end = ((chunk?: unknown) => {
    if (res.statusCode !== 200 || typeof chunk !== 'string') return end(chunk);
    const answer: unknown = JSON.parse(chunk);
    const consumed = isObject(answer) ? answer.ConsumedCapacity : undefined;
    if (!isObject(consumed)) return end(chunk);
    doubleUnits(consumed);
    if (isObject(consumed.Table)) doubleUnits(consumed.Table);
    for (const indexes of [consumed.GlobalSecondaryIndexes, consumed.LocalSecondaryIndexes]) {
      if (isObject(indexes)) for (const index of Object.values(indexes)) if (isObject(index)) doubleUnits(index);
    }
    const body = JSON.stringify(answer);
    res.setHeader('Content-Length', Buffer.byteLength(body, 'utf8'));
    res.setHeader('x-amz-crc32', crc32(body));
    return end(body);
  }) as ServerResponse['end'];
}

function doubleUnits(capacity: JsonObject): void {
  if (typeof capacity.CapacityUnits === 'number') capacity.CapacityUnits *= 2;
}
