import { InvalidInputError } from '../lambdas/runtime/errors';

const UNITS: Record<string, number> = {
  b: 1,
  kib: 2 ** 10, mib: 2 ** 20, gib: 2 ** 30, tib: 2 ** 40, pib: 2 ** 50,
  kb: 1e3, mb: 1e6, gb: 1e9, tb: 1e12, pb: 1e15,
};

/** A size option the user wrote wrong (`--protected-bytes 10 terabytes`); the message names the option and the accepted form. */
export class InvalidByteSizeError extends InvalidInputError {
  constructor(option: string, text: string) {
    super(`${option} must be a positive number of bytes, optionally with a unit B, KiB, MiB, GiB, TiB, PiB (binary) or KB, MB, GB, TB, PB (decimal), as 10TiB or 500GB; got ${JSON.stringify(text)}`);
  }
}

/** `10TiB`, `1.5 GiB`, `500GB`, `1048576` in bytes (rounded to a whole byte; less than 1 byte is refused). */
export function parseByteSize(text: string, option: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(text.trim());
  const factor = match ? UNITS[(match[2] || 'b').toLowerCase()] : undefined;
  const amount = match ? Number.parseFloat(match[1] ?? '') : Number.NaN;
  if (factor === undefined || !Number.isFinite(amount) || amount <= 0) throw new InvalidByteSizeError(option, text);
  const bytes = Math.round(amount * factor);
  // `0.4B` or `0.1` is positive as written but rounds to nothing: an estimate of 0 B protected is no estimate.
  if (bytes < 1) throw new InvalidByteSizeError(option, text);
  return bytes;
}
