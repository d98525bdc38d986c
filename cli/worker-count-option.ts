import { InvalidArgumentError } from 'commander';

/** The most local Lambda worker threads a command may ask for: each is a Node isolate of its own. */
export const MAX_WORKERS = 64;

/**
 * `--workers <n>`: a whole number of local Lambda worker threads, 1 to 64. A usage error otherwise:
 * `Number.parseInt('abc')` is NaN, and a pool of NaN workers would start nothing and wait forever.
 */
export function parseWorkerCount(text: string): number {
  const n = /^\s*\d+\s*$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isInteger(n) || n < 1 || n > MAX_WORKERS) throw new InvalidArgumentError(`must be a whole number of worker threads from 1 to ${MAX_WORKERS}, got ${JSON.stringify(text)}`);
  return n;
}
