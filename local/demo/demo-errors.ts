/** Why the demo refuses to start. Names end in `Error`. */
import { dataDirOption } from '../cloud/data-dir-option';

/**
 * Another demo runs on this data directory: it would re-seed and change the sources under the first
 * one's backups, and each would find the plan locked by the other's.
 */
export class DemoAlreadyRunningError extends Error {
  override readonly name = 'DemoAlreadyRunningError';
  constructor(
    readonly dataDir: string,
    readonly pid: number,
    /** The lock file that names it. */
    readonly lockFile: string,
  ) {
    super(
      `A demo (pid ${pid}) is already running on ${dataDir}: two demos on one data directory change each other's sources and lock each other's backups. ` +
        `Wait for it to end, stop it (kill -INT ${pid}), or give this one another --data-dir. ` +
        `If pid ${pid} is not a demo (the lock was left by one that was killed), delete ${lockFile}.`,
    );
  }
}

/**
 * The local cloud the demo would attach to has a region stopped (`lifeboat local region stop`): its
 * stacks were not provisioned, and the demo's backups need the primary region and its failover stops
 * and starts the primary itself.
 */
export class DemoRegionStoppedError extends Error {
  override readonly name = 'DemoRegionStoppedError';
  constructor(
    readonly dataDir: string,
    readonly regions: readonly string[],
  ) {
    const where = dataDirOption(dataDir);
    super(
      `Region ${regions.join(', ')} of the local cloud on ${dataDir} is stopped, so it cannot be provisioned; run ` +
        `${regions.map((r) => `\`lifeboat local region start ${r}${where}\``).join(' and ')} first (or \`lifeboat local down${where}\`, and the demo starts a cloud of its own).`,
    );
  }
}
