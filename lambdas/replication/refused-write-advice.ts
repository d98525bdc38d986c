import { refusalOf } from '../../vault';

/**
 * What a scrub says to do of a repair's write refused with an AccessDenied (`cause`, S3's error); `held`: the damaged
 * copy had a legal hold, so the new copy was written with it (LegalHoldWriteRefusedError). Any 403 of a copy's write,
 * held or not, may be a KMS key's refusal or a bucket policy's deny: the action S3's words name is named (review r62F
 * F5; an unheld copy's was called a missing s3:PutObject, r62I F4), else s3:PutObjectLegalHold for a held copy and
 * s3:PutObject for another, the likely ones. A policy's explicit deny is not lifted by other credentials: the policy is
 * named (review r62I F5).
 */
export function refusedWriteAdvice(cause: unknown, held: boolean): string {
  const { action, explicitDeny } = refusalOf(cause);
  const needed = (refused: string): string => `${refused}, which writing the new copy${refused === 's3:PutObjectLegalHold' ? " with the damaged copy's legal hold" : ''} needs`;
  if (explicitDeny) return `a policy denies ${action !== undefined ? needed(action) : 'the write'} (an explicit deny, which no permission of the credentials overrides): scrub with repair again once that policy allows it`;
  if (action !== undefined) return `S3 refused ${needed(action)}: scrub with repair again with credentials allowed it`;
  return held
    ? "these credentials lack s3:PutObjectLegalHold on it (a KMS key or a policy's deny can refuse it too; CloudTrail names the action), which writing the new copy with the damaged copy's legal hold needs besides s3:PutObject: scrub with repair again with credentials that have both"
    : 'these credentials lack s3:PutObject on it: scrub with repair again with credentials that have it';
}
