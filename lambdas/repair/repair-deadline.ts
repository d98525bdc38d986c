/**
 * Time kept back from the Lambda timeout when only headers are read: the request in flight when the deadline passes
 * is a ranged GET of a few KiB, and then the failure's message and the error's return.
 */
export const REPAIR_RESERVE_MS = 30_000;
/**
 * With readData the deadline is checked only before each request (deadline-vault-store.ts), and the one in flight
 * may be a whole pack's GET (up to 16 MiB) or a salvaged pack's multipart upload, each with the SDK's retries and
 * their back-off: 30 s does not cover that on a slow or throttled connection, and a hard Lambda timeout would lose
 * the message that says how far the repair got.
 */
export const REPAIR_READ_DATA_RESERVE_MS = 120_000;

/**
 * When the repair must stop (ms since the epoch), given what is left of the invocation: the reserve kept back, but
 * never more than half of what is left (a short test invocation still runs).
 */
export function repairDeadline(nowMs: number, remainingMs: number, readData: boolean): number {
  const reserve = readData ? REPAIR_READ_DATA_RESERVE_MS : REPAIR_RESERVE_MS;
  return nowMs + Math.max(remainingMs - reserve, remainingMs / 2);
}
