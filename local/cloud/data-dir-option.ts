import { resolve } from 'node:path';
import { DEFAULT_DATA_DIR } from './cloud-state';

/** A word as a shell reads it back: quoted when it holds anything but plain path characters. */
export function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, "'\\''")}'`;
}

/**
 * ` --data-dir <dir>` for a hint's command line, or nothing for the default data directory: a hint
 * printed as plain `lifeboat local down` would act on ./.lifeboat, another cloud than the one meant.
 */
export function dataDirOption(dataDir: string | undefined): string {
  return dataDir === undefined || resolve(dataDir) === resolve(DEFAULT_DATA_DIR) ? '' : ` --data-dir ${shellWord(dataDir)}`;
}
