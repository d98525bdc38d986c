/** A construct got props it cannot build from; `issues` name each offending prop by its path (`plans[0].retention`). */
export class InvalidLifeboatPropsError extends Error {
  override readonly name = 'InvalidLifeboatPropsError';
  constructor(
    /** The construct, as `<Class> <construct path>`. */
    readonly construct: string,
    readonly issues: readonly string[],
  ) {
    super(`Invalid props of ${construct}:\n${issues.map((i) => `  - ${i}`).join('\n')}`);
  }
}
