import { linkSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { isProcessAlive } from '../cloud/cloud-state';
import { processStartTime } from '../cloud/process-start-time';
import { DemoAlreadyRunningError } from './demo-errors';

/** In the data directory: the pid (and start time) of the demo that runs on it. */
export const DEMO_LOCK_FILE = 'demo.pid';

/** Attempts at linking the lock file before giving up; each failed one follows a take-over or a put-back. */
const MAX_LINK_ATTEMPTS = 4;

export type DemoLock = {
  readonly file: string;
  /** Removes the file if it still holds this process. */
  release(): void;
};

type Holder = { readonly pid: number; readonly startTime?: string };

/** Kept exported from here too: the demo's tests write locks with it. */
export { processStartTime };

function lockContent(pid: number): string {
  const startTime = processStartTime(pid);
  return startTime === undefined ? `${pid}\n` : `${pid} ${startTime}\n`;
}

function contentOf(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** `pid` (an older lock, or no /proc) or `pid starttime`; undefined for anything else. */
function parseHolder(content: string): Holder | undefined {
  const [pidText, startTime, ...rest] = content.trim().split(/\s+/);
  const pid = Number(pidText);
  if (!Number.isInteger(pid) || pid <= 0 || rest.length > 0) return undefined;
  return startTime === undefined ? { pid } : { pid, startTime };
}

/**
 * This process is never its own rival (a stale file of a killed demo may name the pid this demo got);
 * a start time that differs is another process under a reused pid. Without a start time on either
 * side, liveness of the pid decides.
 */
function isLiveHolder(holder: Holder): boolean {
  if (holder.pid === process.pid || !isProcessAlive(holder.pid)) return false;
  if (holder.startTime === undefined) return true;
  const now = processStartTime(holder.pid);
  return now === undefined || now === holder.startTime;
}

/**
 * Moves aside the stale lock this demo read (`stale`). The rename takes whatever file is there now,
 * so it is read again: another demo may have taken the stale file over and linked its own lock
 * between our read and our rename. That lock is put back and, while its holder lives, this demo is
 * refused. (A third demo linking in the moment it is away keeps its own lock; the put-back then fails.)
 */
function takeOverStale(root: string, file: string, stale: string): void {
  const aside = path.join(root, `.${DEMO_LOCK_FILE}.stale.${process.pid}`);
  try {
    renameSync(file, aside);
  } catch (err) {
    // Already taken away by another demo: the next link attempt sees what it left.
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  try {
    const moved = contentOf(aside);
    if (moved === undefined || moved === stale) return;
    try {
      linkSync(aside, file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const holder = parseHolder(moved);
    if (holder !== undefined && isLiveHolder(holder)) throw new DemoAlreadyRunningError(root, holder.pid, file);
  } finally {
    rmSync(aside, { force: true });
  }
}

/**
 * One demo per data directory: <dataDir>/demo.pid holds the pid and start time of the demo that runs
 * there. Refused (DemoAlreadyRunningError, naming it and the file) while that process lives; the file
 * of a demo that was killed is taken over. The file is created with its content in one step (a hard
 * link of a written temporary file), so another demo never reads it empty.
 */
export function acquireDemoLock(dataDir: string): DemoLock {
  const root = path.resolve(dataDir);
  mkdirSync(root, { recursive: true });
  const file = path.join(root, DEMO_LOCK_FILE);
  const own = lockContent(process.pid);
  const written = path.join(root, `.${DEMO_LOCK_FILE}.${process.pid}`);
  writeFileSync(written, own);
  try {
    for (let attempt = 1; ; attempt++) {
      try {
        linkSync(written, file);
        break;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= MAX_LINK_ATTEMPTS) throw err;
      }
      const content = contentOf(file);
      // Gone since the link failed: try again.
      if (content === undefined) continue;
      const holder = parseHolder(content);
      if (holder !== undefined && isLiveHolder(holder)) throw new DemoAlreadyRunningError(root, holder.pid, file);
      // Left by a demo that was killed (or unreadable).
      takeOverStale(root, file, content);
    }
  } finally {
    rmSync(written, { force: true });
  }
  return {
    file,
    release: () => {
      if (contentOf(file) === own) rmSync(file, { force: true });
    },
  };
}
