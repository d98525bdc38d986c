import { type EnvironmentConfig, type LifeboatConfig } from '../../config/lifeboat-config';
import { DEFAULT_CONFIG_FILE } from '../../config/load-config';
import { dataDirOption } from '../../local/cloud/data-dir-option';
import { givenPath, givenPathOption } from '../../local/printed-path-option';
import { shellWord } from '../../lambdas/runtime/shell-word';
import { type ResourceNames, resourceNames } from '../../lib/stacks/resource-names';

/** Where the doctor looks: the local cloud of a data directory, or the deployed environment in AWS (--aws). */
export type DoctorMode = 'local' | 'aws';

export type DoctorRequest = {
  configFile: string;
  envName: string;
  dataDir: string;
  mode: DoctorMode;
};

/**
 * What every check of one environment shares: the environment, its physical names, and how to
 * write a fix the user can paste (the same --env, --config and --data-dir they gave the doctor, a path absolute and
 * every word quoted as a shell reads it back: givenPathOption, shellWord; until review r59D F3 `my cloud` was printed
 * as two words, `o'brien` opened a quote, and a relative one named another cloud pasted in another directory).
 */
export type DoctorContext = {
  readonly request: DoctorRequest;
  readonly environment: EnvironmentConfig;
  readonly names: ResourceNames;
  /** `lifeboat <command>` with the flags that reach this environment, e.g. `lifeboat local up --env dev`. */
  lifeboat(command: string): string;
  /** `npx cdk <command>` for this config, e.g. `npx cdk deploy Lifeboat-dev-Primary`. */
  cdk(command: string): string;
  /** Where a source is in the config file, e.g. `environments[0].plans[0].sources[2]`. */
  sourceField(sourceName: string): string;
};

export function doctorContext(request: DoctorRequest, config: LifeboatConfig, environment: EnvironmentConfig): DoctorContext {
  const envIndex = config.environments.indexOf(environment);
  const configOption = givenPathOption('--config', request.configFile, DEFAULT_CONFIG_FILE);
  const cdkConfig = givenPath(request.configFile, DEFAULT_CONFIG_FILE);
  return {
    request,
    environment,
    names: resourceNames(environment),
    lifeboat: (command) => {
      const local = request.mode === 'local' || command.startsWith('local ');
      // `local down`, `local status` and `local region` take only --data-dir.
      const perEnvironment = !/^local (down|status|region)\b/.test(command);
      return (
        `lifeboat ${command}` +
        (perEnvironment ? ` --env ${shellWord(environment.name)}${configOption}` : '') +
        (local ? dataDirOption(request.dataDir) : ' --aws')
      );
    },
    cdk: (command) => `npx cdk ${command}${cdkConfig !== undefined ? ` -c ${shellWord(`config=${cdkConfig}`)}` : ''}`,
    sourceField: (sourceName) => {
      for (const [p, plan] of environment.plans.entries()) {
        const s = plan.sources.findIndex((source) => source.name === sourceName);
        if (s >= 0) return `environments[${envIndex}].plans[${p}].sources[${s}]`;
      }
      return `environments[${envIndex}]`;
    },
  };
}
