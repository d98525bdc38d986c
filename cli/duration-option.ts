import { InvalidInputError } from '../lambdas/runtime/errors';

const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 } as const;

/** A duration option the user wrote wrong (`--since 30 days`); the message names the option and the accepted form. */
export class InvalidDurationError extends InvalidInputError {
  constructor(option: string, text: string) {
    super(`${option} must be a whole number followed by m, h, d or w (minutes, hours, days, weeks), as 30d or 12h; got ${JSON.stringify(text)}`);
  }
}

/** `30d`, `12h`, `90m`, `2w` in milliseconds: the look-back periods of the CLI's `--since` options. */
export function parseDuration(text: string, option = '--since'): number {
  const match = /^(\d+)([mhdw])$/.exec(text.trim());
  const amount = match ? Number.parseInt(match[1] ?? '', 10) : Number.NaN;
  const unit = match?.[2] as keyof typeof UNIT_MS | undefined;
  if (unit === undefined || !Number.isSafeInteger(amount) || amount <= 0) throw new InvalidDurationError(option, text);
  return amount * UNIT_MS[unit];
}

/** The start of a look-back period ending `now`. */
export function sinceDate(text: string, now: Date, option = '--since'): Date {
  return new Date(now.getTime() - parseDuration(text, option));
}
