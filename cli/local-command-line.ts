import { DEFAULT_CONFIG_FILE } from '../config/load-config';
import { dataDirOption } from '../local/cloud/data-dir-option';
import { givenPathOption } from '../local/printed-path-option';
import { shellWord } from '../lambdas/runtime/shell-word';

/** What a hint's command line must carry to act on the same local cloud as the command that prints it. */
export type LocalCommandTarget = { dataDir?: string; env?: string; config?: string };

const DEFAULT_ENV = 'dev';

/**
 * `lifeboat local <command>` with the options that were not the defaults, paths absolute (givenPath): a hint printed as plain
 * `lifeboat local down` would act on ./.lifeboat, and stop another cloud than the one meant. `down`,
 * `status` and `region` take only --data-dir; `up` and `schedules` also --env and --config.
 */
export function localCommandLine(command: string, target: LocalCommandTarget): string {
  const perEnvironment = /^(up|schedules)\b/.test(command);
  return [
    `lifeboat local ${command}`,
    ...(perEnvironment && target.env !== undefined && target.env !== DEFAULT_ENV ? [`--env ${shellWord(target.env)}`] : []),
  ].join(' ') + (perEnvironment ? givenPathOption('--config', target.config, DEFAULT_CONFIG_FILE) : '') + dataDirOption(target.dataDir);
}
