import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { type AddressInfo } from 'node:net';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { type ControlError, REGION_ACTIONS, type RegionAction, type RegionChange } from './region-control-protocol';
import { LOOPBACK, type RegionServers } from './region-servers';

/**
 * The cloud process's control endpoint: how `lifeboat local region stop|start` reaches the running
 * cloud. HTTP on 127.0.0.1 (a free port), every request authorised by a random token that only
 * cloud.json (mode 0600) holds: a web page or another user's process cannot stop a region, and a
 * stale cloud.json never drives an unrelated server that took the port. Request and answer are one
 * round trip, so the caller learns whether the region changed or why it could not.
 */
export type RegionControlServer = {
  url: string;
  token: string;
  /** Refuses further requests (503) and closes the endpoint; transitions already running finish. */
  close(): Promise<void>;
};

export type RegionControlOptions = {
  regions: ReadonlyMap<string, RegionServers>;
  /** Called after each region that changed state, before the answer is sent (cloud.json is rewritten there). */
  onChange: () => void;
  log: (message: string) => void;
};

function send(res: ServerResponse, status: number, body: RegionChange | ControlError): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function authorised(req: IncomingMessage, token: string): boolean {
  const expected = Buffer.from(`Bearer ${token}`);
  const given = Buffer.from(req.headers.authorization ?? '');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

function parseRoute(req: IncomingMessage): { region: string; action: RegionAction } | undefined {
  if (req.method !== 'POST') return undefined;
  const match = /^\/regions\/([^/]+)\/([a-z]+)$/.exec(new URL(req.url ?? '/', 'http://control').pathname);
  const action = REGION_ACTIONS.find((a) => a === match?.[2]);
  const region = match?.[1];
  return region && action ? { region: decodeURIComponent(region), action } : undefined;
}

export async function startRegionControlServer(options: RegionControlOptions): Promise<RegionControlServer> {
  const token = randomBytes(32).toString('hex');
  let closing = false;

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    req.resume();
    if (!authorised(req, token)) return send(res, 401, { error: 'Unauthorized', message: 'Missing or wrong control token (read it from cloud.json).' });
    if (closing) return send(res, 503, { error: 'ShuttingDown', message: 'The local cloud is shutting down.' });
    const route = parseRoute(req);
    if (!route) return send(res, 404, { error: 'NotFound', message: `No control operation ${req.method ?? '?'} ${req.url ?? '?'}.` });
    const region = options.regions.get(route.region);
    const names = [...options.regions.keys()];
    if (!region) {
      return send(res, 404, { error: 'UnknownRegion', message: `The local cloud serves no region ${route.region}; its regions are ${names.join(', ')}.`, regions: names });
    }
    try {
      const changed = route.action === 'stop' ? await region.stop() : await region.start();
      if (changed) {
        options.onChange();
        options.log(`region ${region.region} ${route.action === 'stop' ? 'stopped' : 'started'} (${JSON.stringify(region.endpoints)})`);
      }
      send(res, 200, { region: region.region, state: region.state, changed });
    } catch (err) {
      options.log(`region ${region.region}: ${route.action} failed: ${(err as Error).stack ?? String(err)}`);
      send(res, 500, { error: 'RegionControlFailed', message: `Could not ${route.action} region ${region.region}: ${(err as Error).message}` });
    }
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      options.log(`control request failed: ${String(err)}`);
      if (!res.headersSent) send(res, 500, { error: 'RegionControlFailed', message: String(err) });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, LOOPBACK, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${LOOPBACK}:${port}`,
    token,
    close: () => {
      closing = true;
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
