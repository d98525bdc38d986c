import { createServer, request } from 'node:http';
import { type AddressInfo } from 'node:net';

/** One request the proxy forwarded, reported once its answer was sent back whole. */
export type ObservedS3Request = { method: string; path: string; status: number };

export type S3RequestObserver = { url: string; close(): Promise<void> };

/**
 * A loopback proxy in front of a local S3 endpoint that reports every request once it was answered,
 * so that a test can wait for a read another thread makes (a function on a Lambda worker), not guess
 * how long it takes. Requests and answers pass through untouched: their signatures name the proxy's
 * host, which the endpoint checks as it receives it.
 */
export async function observeS3Requests(endpoint: string, onAnswered: (request: ObservedS3Request) => void): Promise<S3RequestObserver> {
  const target = new URL(endpoint);
  const server = createServer((incoming, outgoing) => {
    const forwarded = request({ host: target.hostname, port: target.port, method: incoming.method, path: incoming.url, headers: incoming.headers }, (answer) => {
      outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(outgoing);
      outgoing.on('finish', () => onAnswered({ method: incoming.method ?? '', path: decodeURIComponent(new URL(incoming.url ?? '/', 'http://proxy').pathname), status: answer.statusCode ?? 0 }));
    });
    forwarded.on('error', (err) => outgoing.destroy(err));
    incoming.pipe(forwarded);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
