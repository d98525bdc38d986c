import { readFileSync } from 'node:fs';
import { InvalidConfigError } from '../../config/config-errors';
import { type EnvironmentConfig, type LifeboatConfig } from '../../config/lifeboat-config';
import { DEFAULT_CONFIG_FILE, loadLifeboatConfig } from '../../config/load-config';
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
    const unreadable = unreadableFile(file);
    if (unreadable) return { result: fail('config', `cannot read ${file}: ${unreadable.message}`, unreadable.fix) };
    return { result: fail('config', `${file} is not valid: ${err.issues.join('; ')}`, `correct the fields named here in ${file}`) };
  }
}

/**
 * Why `file` cannot be read at all, with what to do: no field of it can be corrected then. Asked only after the
 * load failed, so a readable file costs nothing more.
 */
function unreadableFile(file: string): { message: string; fix: string } | undefined {
  try {
    readFileSync(file);
    return undefined;
  } catch (err) {
    // Not `instanceof Error`: an fs error of another realm (a test runner's sandbox) is not one.
    const { message, code } = err as NodeJS.ErrnoException;
    const missing = code === 'ENOENT';
    return {
      message,
      fix: missing
        ? `create ${file}, or pass --config with the path of the config file (without it the doctor reads ${DEFAULT_CONFIG_FILE} in the current directory)`
        : `make ${file} a readable file, or pass --config with the path of the config file`,
    };
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
