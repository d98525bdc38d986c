import { type EnvironmentConfig } from '../../config/lifeboat-config';
import { lifeboatNames } from '../lifeboat-names';

/**
 * The prefix of an environment: every physical name of it starts with it. `lifeboat-<env>` for lifeboat.config.json;
 * a LifeboatProtection's own (its `deployment`, read from its stack by `--stack`).
 */
export function environmentPrefix(env: Pick<EnvironmentConfig, 'name' | 'deployment'>): string {
  return env.deployment?.prefix ?? `lifeboat-${env.name}`;
}

/**
 * Stack and physical names of an environment of lifeboat.config.json (bin/app.ts), as the CLI, the local
 * cloud and the tests address them: lifeboatNames of the prefix `lifeboat-<env>`, plus the two stacks; those of a
 * LifeboatProtection's environment (`deployment`): its prefix and stacks.
 */
export function resourceNames(env: EnvironmentConfig) {
  return {
    primaryStack: env.deployment?.primaryStack ?? `Lifeboat-${env.name}-Primary`,
    drStack: env.deployment?.drStack ?? `Lifeboat-${env.name}-DR`,
    ...lifeboatNames({ prefix: environmentPrefix(env), environmentName: env.name, account: env.account, ...(env.drAccount !== undefined ? { drAccount: env.drAccount } : {}), primaryRegion: env.primaryRegion, drRegion: env.drRegion }),
  };
}

export type ResourceNames = ReturnType<typeof resourceNames>;
