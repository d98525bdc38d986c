import { type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import { readRequestBody } from './request-reads';
import { replay } from './table-replication';

type JsonObject = Record<string, unknown>;
const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * DynamoDB takes a table's ARN wherever it takes its name, and a table of another account can only be
 * addressed so (a DR catalog in another account, lib/constructs/replica-catalog-location.ts); dynalite
 * takes names only. This goes in front of a region's dynalite (outermost) and rewrites `TableName` and
 * the table keys of `RequestItems` from an ARN of this region and account to the name. An ARN of
 * another region or account is left as it is: dynalite refuses it, as AWS would not find the table.
 */
export function acceptTableArns(server: Server, options: { region: string; account: string }): void {
  const listeners = server.listeners('request') as RequestListener[];
  const inner = listeners[0];
  if (listeners.length !== 1 || !inner) throw new Error(`dynalite has ${listeners.length} request listeners; expected one in front of it`);
  server.removeAllListeners('request');
  const prefix = `arn:aws:dynamodb:${options.region}:${options.account}:table/`;
  const nameOf = (table: string): string => (table.startsWith(prefix) && !table.slice(prefix.length).includes('/') ? table.slice(prefix.length) : table);
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (req.method !== 'POST') {
      inner.call(server, req, res);
      return;
    }
    readRequestBody(req).then(
      (body) => {
        const rewritten = withTableNames(body, nameOf);
        if (rewritten === body) {
          inner.call(server, replay(req, body), res);
          return;
        }
        const again = replay(req, rewritten);
        again.headers = { ...req.headers, 'content-length': String(rewritten.length) };
        inner.call(server, again, res);
      },
      () => res.destroy(),
    );
  });
}

/** The body with every ARN-named table named by `nameOf`; the same Buffer when nothing changes. */
function withTableNames(body: Buffer, nameOf: (table: string) => string): Buffer {
  if (!body.includes('arn:aws:dynamodb:')) return body;
  let request: unknown;
  try {
    request = JSON.parse(body.toString('utf8'));
  } catch {
    // dynalite answers a body that is not JSON itself.
    return body;
  }
  if (!isObject(request)) return body;
  let changed = false;
  if (typeof request.TableName === 'string' && nameOf(request.TableName) !== request.TableName) {
    request.TableName = nameOf(request.TableName);
    changed = true;
  }
  if (isObject(request.RequestItems)) {
    const items: JsonObject = {};
    for (const [table, value] of Object.entries(request.RequestItems)) {
      items[nameOf(table)] = value;
      changed ||= nameOf(table) !== table;
    }
    request.RequestItems = items;
  }
  return changed ? Buffer.from(JSON.stringify(request)) : body;
}
