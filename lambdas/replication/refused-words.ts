import { s3ErrorOf } from '../../vault';
import { quotedServiceWords } from '../runtime/quoted-service-words';

/**
 * S3's own error under any wrapper (`cause`), as a scrub's refusal quotes it: its name and words, quoted and cut
 * (quotedServiceWords: they can hold an object key). In a Lambda a vault's permission refusal (AccessDenied,
 * a HEAD's bare 403) is the runtime's BucketOwnerMismatchError, whose message was quoted instead: its own two diagnoses (another account's bucket, an IAM
 * policy) beside an advice that named a third, and S3's words, which name the refused action, the role and the key's
 * ARN, nowhere (review r64K F3).
 */
export function refusedWords(cause: unknown): string {
  return quotedServiceWords(s3ErrorOf(cause));
}
