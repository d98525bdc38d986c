import { type EnvironmentConfig, type LifeboatConfig } from '../../config/lifeboat-config';
import { DEFAULT_CONFIG_FILE } from '../../config/load-config';
import { DEFAULT_DATA_DIR } from '../../local/cloud/cloud-state';
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
 * write a fix the user can paste (the same --env, --config and --data-dir they gave the doctor).
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
  const customConfig = request.configFile !== DEFAULT_CONFIG_FILE;
  const customDataDir = request.dataDir !== DEFAULT_DATA_DIR;
  return {
    request,
    environment,
    names: resourceNames(environment),
    lifeboat: (command) => {
      const local = request.mode === 'local' || command.startsWith('local ');
      // `local down`, `local status` and `local region` take only --data-dir.
      const perEnvironment = !/^local (down|status|region)\b/.test(command);
      return [
        `lifeboat ${command}`,
        ...(perEnvironment ? [`--env ${environment.name}`] : []),
        ...(perEnvironment && customConfig ? [`--config ${request.configFile}`] : []),
        ...(local && customDataDir ? [`--data-dir ${request.dataDir}`] : []),
        ...(local ? [] : ['--aws']),
      ].join(' ');
    },
    cdk: (command) => `npx cdk ${command}${customConfig ? ` -c config=${request.configFile}` : ''}`,
    sourceField: (sourceName) => {
      for (const [p, plan] of environment.plans.entries()) {
        const s = plan.sources.findIndex((source) => source.name === sourceName);
        if (s >= 0) return `environments[${envIndex}].plans[${p}].sources[${s}]`;
      }
      return `environments[${envIndex}]`;
    },
  };
}
