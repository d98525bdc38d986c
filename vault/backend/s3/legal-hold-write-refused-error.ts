import { VaultError } from '../../vault-errors';

/**
 * S3VaultStore.replace read a legal hold on the damaged copy and asked for it on the new one
 * (ObjectLockLegalHoldStatus), and S3 refused the write (AccessDenied). Such a write needs s3:PutObjectLegalHold besides
 * s3:PutObject, so the refusal is not the one of credentials without s3:PutObject, nor of a DR vault in another account
 * (review r62B F2). It may be another permission all the same (a KMS key's, a bucket policy's deny): what to do is told
 * from S3's words, the cause (refusalOf), by the caller, which knows what it was doing (the scrub: refusedWriteAdvice).
 * Nothing was written; the damaged copy is as it was.
 */
export class LegalHoldWriteRefusedError extends VaultError {
  override name = 'LegalHoldWriteRefusedError';
  constructor(
    readonly location: string,
    readonly key: string,
    cause: unknown,
  ) {
    super(`${location}: writing object ${key} with the legal hold its damaged copy has was refused (${cause instanceof Error ? cause.message : String(cause)}): such a write needs s3:PutObjectLegalHold besides s3:PutObject`, { cause });
  }
}
