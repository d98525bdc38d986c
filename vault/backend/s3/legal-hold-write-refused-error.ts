import { VaultError } from '../../vault-errors';
import { isExplicitDeny, refusedActionOf } from './refused-action';

/**
 * S3VaultStore.replace read a legal hold on the damaged copy and asked for it on the new one
 * (ObjectLockLegalHoldStatus), and S3 refused the write (AccessDenied). Such a write needs s3:PutObjectLegalHold besides
 * s3:PutObject, so the refusal is not the one of credentials without s3:PutObject, nor of a DR vault in another account
 * (review r62B F2): the caller names the permission. It may be another one all the same (the KMS key's, a bucket
 * policy's deny): `refusedAction` is the one S3's words name, if any (review r62F F5). Nothing was written; the damaged
 * copy is as it was.
 */
export class LegalHoldWriteRefusedError extends VaultError {
  override name = 'LegalHoldWriteRefusedError';
  /** The action S3's refusal names (`not authorized to perform: <action>`); undefined when its words name none. */
  readonly refusedAction: string | undefined;
  constructor(
    readonly location: string,
    readonly key: string,
    cause: unknown,
  ) {
    const refusedAction = refusedActionOf(cause);
    // Words that name no action name nothing else either: "S3's words say which" was said exactly when they did not (review r62I F5).
    const needs = isExplicitDeny(cause)
      ? `a policy denies ${refusedAction ?? 'it'} (an explicit deny, which no permission of the credentials overrides)`
      : refusedAction === undefined
        ? "a write that sets a legal hold needs s3:PutObjectLegalHold besides s3:PutObject (a KMS key or a policy's deny can refuse it too; CloudTrail names the action)"
        : `the action refused is ${refusedAction}${refusedAction === 's3:PutObjectLegalHold' ? ', which a write that sets a legal hold needs besides s3:PutObject' : ''}`;
    super(`${location}: writing object ${key} with the legal hold its damaged copy has was refused (${cause instanceof Error ? cause.message : String(cause)}); ${needs}`, { cause });
    this.refusedAction = refusedAction;
  }
}
