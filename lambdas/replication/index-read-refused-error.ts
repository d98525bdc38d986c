import { type VaultSide } from '../runtime/runtime-config';
import { refusedReadAdvice } from './refused-read-advice';

/**
 * The scrub's damage mapping (scrub-damage.ts) was refused (an AccessDenied: the DR key refusing kms:Decrypt, a bucket
 * policy) the read of an index object in `vault`. The run stops: taken as unread, a pack that index lists, lost in both
 * vaults, was recorded as hitting no backup (review r63AB F1, a HIGH). It stopped with S3's bare words, naming neither
 * the object, nor the vault, nor the way out (review r63AD F1): every later scrub stops the same way until one may read it.
 */
export class IndexReadRefusedError extends Error {
  override name = 'IndexReadRefusedError';
  constructor(
    readonly vault: VaultSide,
    /** The vault's location (`s3://bucket/prefix`). */
    readonly location: string,
    readonly key: string,
    cause: unknown,
  ) {
    const words = cause instanceof Error ? cause.message : String(cause);
    const { action, advice } = refusedReadAdvice(vault, 's3:GetObject', `index object ${key}, which the damage mapping reads to name the backups an unrepaired object hurts`, cause);
    super(
      `the scrub's damage mapping was refused the read of index object ${key} in the ${vault} vault (${location}) (${action}: ${words}); ${advice}. ` +
        'The run stops here: unread, that index object may list a pack lost in both vaults whose backups would go unnamed; each later scrub stops here too until that read is allowed',
      { cause },
    );
  }
}
