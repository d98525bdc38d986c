import { type EnvironmentConfig } from '../../config/lifeboat-config';
import { lifeboatNames } from '../lifeboat-names';

/** The prefix of an environment of lifeboat.config.json: every physical name of it starts with `lifeboat-<env>`. */
export function environmentPrefix(env: Pick<EnvironmentConfig, 'name'>): string {
  return `lifeboat-${env.name}`;
}

/**
 * Stack and physical names of an environment of lifeboat.config.json (bin/app.ts), as the CLI, the local
 * cloud and the tests address them: lifeboatNames of the prefix `lifeboat-<env>`, plus the two stacks.
 */
export function resourceNames(env: EnvironmentConfig) {
  return {
    primaryStack: `Lifeboat-${env.name}-Primary`,
    drStack: `Lifeboat-${env.name}-DR`,
    ...lifeboatNames({ prefix: environmentPrefix(env), environmentName: env.name, account: env.account, ...(env.drAccount !== undefined ? { drAccount: env.drAccount } : {}), primaryRegion: env.primaryRegion, drRegion: env.drRegion }),
  };
}

export type ResourceNames = ReturnType<typeof resourceNames>;
