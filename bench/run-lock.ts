import * as fs from 'node:fs';

/**
 * One bench at a time per checkout: two runs would delete each other's vaults under bench/out/run
 * and, on a 2-core machine, time each other. The lock holds the owner's pid; a lock whose process
 * is gone (a killed run) is taken over.
 */
export function acquireRunLock(lockFile: string): () => void {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(lockFile, `${process.pid}\n`, { flag: 'wx' });
      const release = (): void => {
        if (readOwner(lockFile) === process.pid) fs.rmSync(lockFile, { force: true });
      };
      process.once('exit', release);
      return release;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const owner = readOwner(lockFile);
      if (owner !== undefined && isAlive(owner)) {
        throw new Error(`another bench run (pid ${owner}) is using ${lockFile}; wait for it to finish (its timings would be disturbed too)`, {
          cause: err,
        });
      }
      fs.rmSync(lockFile, { force: true });
    }
  }
  throw new Error(`could not take ${lockFile}`);
}

function readOwner(lockFile: string): number | undefined {
  try {
    const pid = Number(fs.readFileSync(lockFile, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
