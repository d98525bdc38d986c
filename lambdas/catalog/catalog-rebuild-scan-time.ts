/**
 * Whether a round's scan of the vault can end with time left to write (review rK F3). The memory bound
 * (catalog-rebuild-memory.ts) admits ~490,000 snapshots at the function's 2,048 MB, and at 48 GETs in flight a vault read
 * across regions (~100 ms a GET, ~480 a second) takes ~1,020 s to scan that many: past Lambda's 900 s, which killed the
 * function mid-scan with no message and no marker. The scan's end is projected from its own rate, so only a scan that
 * cannot finish in time is refused: a fixed cut at half the round (f5c916f4) refused vaults a round would have finished
 * (review rD F2).
 */

/** Reads after which the rate is taken as the scan's, unless SCAN_PROBE_MS pass first: 200 is four waves of 48 GETs. */
export const SCAN_PROBE_READS = 200;
/** Time after which the rate is taken as it is, however few reads it covers (a store slow enough to read few in 5 s is the one to stop early). */
export const SCAN_PROBE_MS = 5_000;

/**
 * The least of the round's time a scan must leave for writing. After the scan the round lists the plans' records (a Query
 * page per few hundred: tens of seconds at a vault of ~490,000 snapshots), works out the candidates and writes its marker
 * before the first backup, and then writes ~18 to ~50 backups a second. A scan that leaves less writes a few thousand
 * backups at most of the tens of thousands such a vault holds, and each later round scans the whole vault again to do as
 * little, so the runbook would spend its rounds and fail anyway; a projection short of it by up to a minute still ends
 * before the handler's deadline, which itself keeps a minute of Lambda's timeout.
 */
export const SCAN_WRITE_WINDOW_MS = 60_000;

/** Where a scan's projection stood when it was refused: reads done, their time, the whole scan's time, and what it would leave to write (negative: past the deadline). */
export type ScanTimeProjection = { read: number; elapsedMs: number; projectedMs: number; leftToWriteMs: number };

/**
 * Projects the scan started now on `now`'s clock, of `listed` objects, against `deadline` (ms on that clock): `check`
 * answers after each read, from the rate of the reads so far, the projection when the scan would leave less than
 * SCAN_WRITE_WINDOW_MS before the deadline, once SCAN_PROBE_READS are read or SCAN_PROBE_MS passed. Checked after every
 * read, not once: reads that slow down mid-scan (S3 throttling `snapshots/`) are refused then, rather than killed.
 */
export function scanTimeCheck(listed: number, deadline: number, now: () => number): (read: number) => ScanTimeProjection | undefined {
  const startedAt = now();
  return (read) => {
    const elapsedMs = now() - startedAt;
    if (read === 0 || (read < SCAN_PROBE_READS && elapsedMs < SCAN_PROBE_MS)) return undefined;
    const projectedMs = (elapsedMs * listed) / read;
    const leftToWriteMs = deadline - (startedAt + projectedMs);
    return leftToWriteMs < SCAN_WRITE_WINDOW_MS ? { read, elapsedMs, projectedMs, leftToWriteMs } : undefined;
  };
}
