/**
 * A text no command line can give: bash, as every program's argv, ends a word at a NUL, so `$'demo\x00x'` is read as
 * `demo`, another plan and maybe a configured one (review r62J F2).
 */
export class NoShellWordError extends Error {
  override name = 'NoShellWordError';
  constructor(readonly shown: string) {
    super(`${shown} holds a NUL character, which no command line can give: a command naming it would act on the text before the NUL`);
  }
}
