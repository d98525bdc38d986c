import { type VaultSide } from '../runtime/runtime-config';
import { type RefusedReadRun, refusedReadAdvice } from './refused-read-advice';
import { refusedWords } from './refused-words';

/**
 * The scrub's read of an object of its slice in `vault` was refused (an AccessDenied: the DR key refusing kms:Decrypt,
 * a bucket policy). The run stops, as before: a copy it cannot read is not known good, and its damage would go unsaid.
 * It stopped with S3's bare words, naming neither the object, nor the vault, nor the way out (review r63Y F2): the next
 * run reads the same slice, and stops the same way until that read is allowed.
 */
export class SliceReadRefusedError extends Error {
  override name = 'SliceReadRefusedError';
  constructor(
    readonly vault: VaultSide,
    /** The vault's location (`s3://bucket/prefix`). */
    readonly location: string,
    readonly key: string,
    cause: unknown,
    /** The run that read (its repair and scope), whose advice it words (review r64B F4). */
    run?: RefusedReadRun,
  ) {
    const words = refusedWords(cause);
    const { action, advice } = refusedReadAdvice(vault, 's3:GetObject', `copy of ${key}, which the scrub reads to verify it`, cause, run);
    super(
      `the scrub was refused the read of ${key} in the ${vault} vault (${location}) (${action}: ${words}); ${advice}. ` +
        'The run stops here, unrecorded: the next scrub reads the same slice and stops here too until that read is allowed',
      { cause },
    );
  }
}
