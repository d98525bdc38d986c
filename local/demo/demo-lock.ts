import { linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { isProcessAlive } from '../cloud/cloud-state';
import { DemoAlreadyRunningError } from './demo-errors';

/** In the data directory: the pid of the demo that runs on it. */
export const DEMO_LOCK_FILE = 'demo.pid';

export type DemoLock = {
  readonly file: string;
  /** Removes the file if it still holds this process's pid. */
  release(): void;
};

function holderOf(file: string): number | undefined {
  try {
    const pid = Number(readFileSync(file, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * One demo per data directory: <dataDir>/demo.pid holds the pid of the demo that runs there. Refused
 * (DemoAlreadyRunningError, naming it) while that process lives; the file of a demo that was killed
 * is taken over. The file is created with its content in one step (a hard link of a written temporary
 * file), so another demo never reads it empty.
 */
export function acquireDemoLock(dataDir: string): DemoLock {
  const root = path.resolve(dataDir);
  mkdirSync(root, { recursive: true });
  const file = path.join(root, DEMO_LOCK_FILE);
  const written = path.join(root, `.${DEMO_LOCK_FILE}.${process.pid}`);
  writeFileSync(written, `${process.pid}\n`);
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        linkSync(written, file);
        break;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw err;
        const holder = holderOf(file);
        if (holder !== undefined && isProcessAlive(holder)) throw new DemoAlreadyRunningError(root, holder);
        // Left by a demo that was killed (or unreadable): take it over.
        rmSync(file, { force: true });
      }
    }
  } finally {
    rmSync(written, { force: true });
  }
  return {
    file,
    release: () => {
      if (holderOf(file) === process.pid) rmSync(file, { force: true });
    },
  };
}
