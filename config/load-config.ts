import { readFileSync } from 'node:fs';
import { type z } from 'zod';
import { InvalidConfigError, UnknownEnvironmentError } from './config-errors';
import { type EnvironmentConfig, type LifeboatConfig, lifeboatConfigSchema } from './lifeboat-config';

/** Default config file, relative to the project root (override with LIFEBOAT_CONFIG or `-c config=...`). */
export const DEFAULT_CONFIG_FILE = 'lifeboat.config.json';

function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((acc, part) => (typeof part === 'number' ? `${acc}[${part}]` : acc ? `${acc}.${String(part)}` : String(part)), '');
}

/** One line per issue: the path of the offending field (`plans[0].retention`), then what is wrong with it. */
export function describeIssues(error: z.ZodError): string[] {
  return error.issues.map((issue) => `${formatPath(issue.path) || '(root)'}: ${issue.message}`);
}

/** Validates a parsed config object; throws InvalidConfigError naming each bad field. */
export function parseLifeboatConfig(raw: unknown, source = 'config'): LifeboatConfig {
  const result = lifeboatConfigSchema.safeParse(raw);
  if (!result.success) throw new InvalidConfigError(source, describeIssues(result.error));
  return result.data;
}

export function loadLifeboatConfig(file: string): LifeboatConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new InvalidConfigError(file, [`cannot read the file: ${(err as Error).message}`]);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new InvalidConfigError(file, [`not valid JSON: ${(err as Error).message}`]);
  }
  return parseLifeboatConfig(raw, file);
}

export function findEnvironment(config: LifeboatConfig, name: string): EnvironmentConfig {
  const env = config.environments.find((e) => e.name === name);
  if (!env) throw new UnknownEnvironmentError(name, config.environments.map((e) => e.name));
  return env;
}
