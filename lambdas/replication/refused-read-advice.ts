import { refusalOf } from '../../vault';
import { type VaultSide } from '../runtime/runtime-config';
import { refusalAdvice } from './refused-write-advice';

/** The repair's reads of the healthy copy (readCopyBody, copyPutOptions): the action each is, and what it reads. */
const READS = {
  body: { action: 's3:GetObject', reads: 'its bytes' },
  tags: { action: 's3:GetObjectTagging', reads: "the pack's tags (its storage tier, given to the new copy)" },
} as const;

/**
 * The reason of a repair whose read of the other vault's healthy copy (`from`'s) was refused with an AccessDenied
 * (`cause`, S3's error). Until review r63L F2 it was said as the target vault's refusal of the write: in the DR vault the
 * advice was to delete its damaged copy, whose copy anew the same read then refused. The action S3's words name is
 * named (a KMS key's, for one), else the read's own; the permission is the reader's to have, not the target's.
 */
export function refusedSourceReadReason(from: VaultSide, read: keyof typeof READS, cause: unknown): string {
  const words = cause instanceof Error ? cause.message : String(cause);
  const action = refusalOf(cause).action ?? READS[read].action;
  const what = `${action} on the ${from} vault's copy, which the repair reads ${READS[read].reads} with`;
  return `reading the ${from} vault's copy was refused (${action}: ${words}); ${refusalAdvice(cause, what, `these credentials lack ${what}: scrub with repair again with credentials that have it`)}`;
}
