/** The Lifeboat configuration is invalid; `issues` name each offending field by its path. */
export class InvalidConfigError extends Error {
  override readonly name = 'InvalidConfigError';
  constructor(
    readonly source: string,
    readonly issues: readonly string[],
  ) {
    super(`Invalid Lifeboat configuration in ${source}:\n${issues.map((i) => `  - ${i}`).join('\n')}`);
  }
}

/** `--env` (or an environment name in code) names no environment of the configuration: the flag is wrong, not the file. */
export class UnknownEnvironmentError extends Error {
  override readonly name = 'UnknownEnvironmentError';
  constructor(
    readonly environment: string,
    readonly defined: readonly string[],
  ) {
    super(`environment "${environment}" is not defined in the configuration (its environments: ${defined.join(', ')}): pass --env with one of them`);
  }
}
