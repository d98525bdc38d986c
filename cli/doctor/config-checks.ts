import { InvalidConfigError } from '../../config/config-errors';
import { type EnvironmentConfig, type LifeboatConfig } from '../../config/lifeboat-config';
import { loadLifeboatConfig } from '../../config/load-config';
import { type SynthesizedStack } from '../../local/assembly/synthesized-stack';
import { type CheckResult, fail, ok } from './check-result';

/**
 * Group 1: the config file validates against the zod schema of config/, the environment is in it,
 * and the CDK app synthesizes for it (the later groups read the synthesized templates).
 */

export function checkConfigFile(file: string): { result: CheckResult; config?: LifeboatConfig } {
  try {
    const config = loadLifeboatConfig(file);
    const environments = config.environments.length;
    return { result: ok('config', `${file} is valid (${environments} environment${environments === 1 ? '' : 's'})`), config };
  } catch (err) {
    if (!(err instanceof InvalidConfigError)) throw err;
    return { result: fail('config', `${file} is not valid: ${err.issues.join('; ')}`, `correct the fields named here in ${file}`) };
  }
}

export function checkEnvironment(config: LifeboatConfig, envName: string, file: string): { result: CheckResult; environment?: EnvironmentConfig } {
  const environment = config.environments.find((e) => e.name === envName);
  if (!environment) {
    const defined = config.environments.map((e) => e.name).join(', ');
    return { result: fail('environment', `environment "${envName}" is not defined in ${file} (defined: ${defined})`, `pass --env with one of ${defined}, or add "${envName}" to environments in ${file}`) };
  }
  const plans = environment.plans.length;
  const sources = environment.plans.reduce((n, p) => n + p.sources.length, 0);
  return {
    result: ok('environment', `${envName}: account ${environment.account}, primary ${environment.primaryRegion}, DR ${environment.drRegion}, ${plans} plan${plans === 1 ? '' : 's'}, ${sources} source${sources === 1 ? '' : 's'}`),
    environment,
  };
}

export type SynthesizeEnvironment = (options: { config: LifeboatConfig; envName: string; outdir: string }) => Promise<SynthesizedStack[]>;

export async function checkSynthesis(
  synthesize: SynthesizeEnvironment,
  options: { config: LifeboatConfig; envName: string; outdir: string },
  cdkSynth: string,
): Promise<{ result: CheckResult; stacks?: SynthesizedStack[] }> {
  try {
    const stacks = await synthesize(options);
    return { result: ok('synthesis', stacks.map((s) => `${s.stackName} (${s.region})`).join(', ')), stacks };
  } catch (err) {
    return { result: fail('synthesis', `the CDK app does not synthesize: ${(err as Error).message}`, `run \`${cdkSynth}\` and correct what it reports`) };
  }
}
