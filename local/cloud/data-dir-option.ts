import { givenPathOption } from '../printed-path-option';
import { DEFAULT_DATA_DIR } from './cloud-state';

/**
 * ` --data-dir <dir>` for a hint's command line, absolute, or nothing for the literal default (givenPath): a hint
 * printed as plain `lifeboat local down` would act on ./.lifeboat, another cloud than the one meant.
 */
export function dataDirOption(dataDir: string | undefined): string {
  return givenPathOption('--data-dir', dataDir, DEFAULT_DATA_DIR);
}
