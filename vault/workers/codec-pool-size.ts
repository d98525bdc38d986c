import * as os from 'node:os';

/**
 * The most codec worker threads the process's pool may run: `LIFEBOAT_VAULT_WORKERS` when set, else
 * the cores, at most 4. 0 when the variable turns the workers off (0) or is not a whole number, and
 * callers then use the in-thread path. Read by the pool and by the prestart, so both agree.
 */
export function codecPoolLimit(): number {
  const configured = process.env.LIFEBOAT_VAULT_WORKERS;
  const size = configured !== undefined && configured !== '' ? Number(configured) : Math.min(4, os.availableParallelism());
  return Number.isInteger(size) && size > 0 ? size : 0;
}
