import { MissingEnvironmentError } from './errors';

/** Reads a required environment variable, throwing a MissingEnvironmentError that names it. */
export function requireEnv(name: string, env: NodeJS.ProcessEnv): string {
  const value = env[name];
  if (value === undefined || value === '') throw new MissingEnvironmentError(name);
  return value;
}
