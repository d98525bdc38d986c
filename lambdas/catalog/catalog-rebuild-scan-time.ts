/**
 * Whether a round's scan of the vault can end with time left to write (review rK F3). The memory bound
 * (catalog-rebuild-memory.ts) admits ~490,000 snapshots at the function's 2,048 MB, and at 48 GETs in flight a vault read
 * across regions (~100 ms a GET, ~480 a second) takes ~1,020 s to scan that many: past Lambda's 900 s, which killed the
 * function mid-scan with no message and no marker. The scan's end is projected from its own rate, so only a scan that
 * cannot finish in time is refused: a fixed cut at half the round (f5c916f4) refused vaults a round would have finished
 * (review rD F2).
 *
 * The rate is the steady one, not the first reads' (review rP F1): projected from the scan's start, a first wave ~130 ms
 * slower than the rest (a cold container opens its sockets, TLS, the SDK and the JIT start under the first GETs) refused a
 * vault of ~490,000 snapshots that scans in ~360 s, and so did one stall of 1.5 s (a major GC) 2,000 reads in.
 */

/**
 * Snapshot objects the rebuild reads at once. Until review rH it read 8, as prune's mark and verify do: ~200,000 snapshots
 * (25 plans of hourly backups kept a year) at ~35 ms an S3 GET took ~875 s, more than a round's 840, so every round failed
 * having written nothing. 48 stays under the AWS SDK's 50 sockets (more would queue in the client, not go faster) and, at
 * ~1,400 GETs a second, well under S3's 5,500 a second on one prefix (all snapshots share `snapshots/`). More in flight
 * holds no more memory (the scan keeps every snapshot anyway). At the round's default 2,048 MB memory binds first, at
 * ~490,000 snapshots (catalog-rebuild-memory.ts), up to ~70 ms a GET (~35 ms: ~360 s of the round's ~840); slower, a
 * vault read across regions at ~100 ms, time does, at ~345,000 (720 s, leaving the 120 s to write).
 */
export const SCAN_READS = 48;

/**
 * Reads before the rate is measured: the first two waves of SCAN_READS, whose GETs pay for the container's cold start
 * (review rP F1), unless SCAN_PROBE_MS pass first.
 */
export const SCAN_WARMUP_READS = 2 * SCAN_READS;
/** Time after which the rate is measured however few reads are done (a store slow enough to read few in 5 s is the one to stop early). */
export const SCAN_PROBE_MS = 5_000;

/**
 * The rate projected is that of the reads of about the last 10 s: reads that slow down mid-scan (S3 throttling
 * `snapshots/`) show within it, and a stall drops out of it rather than weighing on the rest of the scan.
 */
export const SCAN_RATE_WINDOW_MS = 10_000;
/** How often a point of the window is kept: at most ~11 points, whatever the vault's size. */
const SCAN_RATE_POINT_MS = 1_000;

/**
 * How long the projection must fall short without a break before the scan is refused: a stall or a slow second projects
 * a short end for a few seconds and recovers; a scan truly too slow stays short and is refused 10 s later, of a round's ~840.
 * The window must also have moved past the shortfall's start by then, up to a SCAN_RATE_POINT_MS later: it reaches back
 * as far as its oldest point, up to ~11 s, so 10 s after a stall it may still hold it, and a pause of 0.3-0.6 s (a GC
 * with a 2 GB heap) refused a vault that fits in that second (review rS F2).
 */
export const SCAN_REFUSAL_SUSTAIN_MS = 10_000;

/**
 * The least of the round's time a scan must leave for writing. After the scan the round lists the plans' records (a Query
 * page per few hundred: tens of seconds at a vault of ~490,000 snapshots), works out the candidates and writes its marker
 * before the first backup, and then writes ~18 to ~50 backups a second. 120 s is that listing and a minute of writing
 * (~1,000 to ~3,000 backups, review rP F3: the 60 s before it could go to the listing alone); a scan that leaves less
 * writes too few of the tens of thousands such a vault holds, and each later round scans the whole vault again to do as
 * little, so the runbook would spend its rounds and fail anyway. It is also the hard stop: a scan still reading when the
 * round has only this left is refused whatever its projection, and then still ends before the handler's deadline, which
 * itself keeps a minute of Lambda's timeout.
 */
export const SCAN_WRITE_WINDOW_MS = 120_000;

/** Where a scan's projection stood when it was refused: reads done, their time, the whole scan's time, and what it would leave to write (negative: past the deadline). */
export type ScanTimeProjection = { read: number; elapsedMs: number; projectedMs: number; leftToWriteMs: number };

/**
 * Projects the scan started now on `now`'s clock, of `listed` objects, against `deadline` (ms on that clock): `check`
 * runs after each read and answers the projection when the scan is refused. Once SCAN_WARMUP_READS are read or
 * SCAN_PROBE_MS passed, the end is projected from the rate of about the last SCAN_RATE_WINDOW_MS of reads; a scan is
 * refused when that end has left less than SCAN_WRITE_WINDOW_MS before the deadline for SCAN_REFUSAL_SUSTAIN_MS on end
 * and the window holds only reads since it first did, or at once when the time left is itself less than
 * SCAN_WRITE_WINDOW_MS. Its last read refuses nothing: a finished scan goes on to write its marker (review rD F1).
 */
export function scanTimeCheck(listed: number, deadline: number, now: () => number): (read: number) => ScanTimeProjection | undefined {
  const startedAt = now();
  // (time, reads) points of the rate's window, oldest first: the first is where the warm-up ended.
  const points: { at: number; read: number }[] = [];
  let shortSince: number | undefined;
  return (read) => {
    if (read === 0) return undefined;
    const at = now();
    const newest = points[points.length - 1];
    if (newest === undefined) {
      if (read < SCAN_WARMUP_READS && at - startedAt < SCAN_PROBE_MS) return undefined;
      points.push({ at, read });
    } else if (at - newest.at >= SCAN_RATE_POINT_MS) {
      points.push({ at, read });
    }
    if (read >= listed) return undefined;
    while (points.length > 1 && at - (points[1]?.at ?? at) >= SCAN_RATE_WINDOW_MS) points.shift();
    const oldest = points[0] ?? { at: startedAt, read: 0 };
    // Right after the warm-up the window may hold no time yet: the rate from the start stands in, for the hard stop only.
    const windowed = at > oldest.at && read > oldest.read;
    const msPerRead = windowed ? (at - oldest.at) / (read - oldest.read) : (at - startedAt) / read;
    const projectedEnd = at + (listed - read) * msPerRead;
    const projection = { read, elapsedMs: at - startedAt, projectedMs: projectedEnd - startedAt, leftToWriteMs: deadline - projectedEnd };
    if (at >= deadline - SCAN_WRITE_WINDOW_MS) return projection;
    if (!windowed) return undefined;
    if (projection.leftToWriteMs >= SCAN_WRITE_WINDOW_MS) {
      shortSince = undefined;
      return undefined;
    }
    shortSince ??= at;
    // A window starting before the shortfall holds the reads, or the stall, that began it: only one of the reads since counts.
    const sustained = at - shortSince >= SCAN_REFUSAL_SUSTAIN_MS && oldest.at >= shortSince;
    return sustained ? projection : undefined;
  };
}
