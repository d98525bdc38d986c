import { resolve } from 'node:path';
import { shellWord } from '../../lambdas/runtime/shell-word';
import { DEFAULT_DATA_DIR } from './cloud-state';

/**
 * ` --data-dir <dir>` for a hint's command line, or nothing for the default data directory: a hint
 * printed as plain `lifeboat local down` would act on ./.lifeboat, another cloud than the one meant.
 */
export function dataDirOption(dataDir: string | undefined): string {
  return dataDir === undefined || resolve(dataDir) === resolve(DEFAULT_DATA_DIR) ? '' : ` --data-dir ${shellWord(dataDir)}`;
}
