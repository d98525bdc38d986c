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
